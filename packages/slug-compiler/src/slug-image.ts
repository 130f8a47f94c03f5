import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ContainerRuntime } from '@paas/runtime';
import { shortId } from './layout.js';

export interface SlugImageSource {
  /** The image the slug is unpacked onto. */
  stackImage: string;
  /** The stored slug tarball. */
  slugPath: string;
  /** `SHA256:<hex>`. */
  checksum: string;
  app: { id: string; name: string };
  /** Extra labels of the container that makes the image. */
  labels?: Readonly<Record<string, string>>;
}

/** `paas-slug/<app>:<first 12 hex digits>`: one image per app and slug content. */
export function slugImageTag(appName: string, checksum: string): string {
  return `paas-slug/${appName}:${checksum.replace(/^SHA256:/, '').slice(0, 12)}`;
}

/**
 * Makes the dyno image without a registry or a Dockerfile: a never-started container of the stack gets
 * the slug unpacked at `/` and is committed. The image adds one layer (the slug) to the stack's.
 */
export async function createSlugImage(runtime: ContainerRuntime, source: SlugImageSource): Promise<string> {
  const tag = slugImageTag(source.app.name, source.checksum);
  const id = await runtime.createContainer({
    name: `paas-slugimg-${source.app.name}-${shortId(source.checksum.replace(/^SHA256:/, ''))}-${randomBytes(3).toString('hex')}`,
    image: source.stackImage,
    cmd: ['/bin/bash'],
    env: {},
    labels: { ...source.labels, 'paas.managed': '1', 'paas.kind': 'build', 'paas.app_id': source.app.id },
    user: 'dyno',
    workingDir: '/app',
  });
  try {
    await runtime.putArchive(id, '/', createReadStream(source.slugPath));
    await runtime.commitContainer(id, {
      tag,
      labels: { 'paas.managed': '1', 'paas.kind': 'slug', 'paas.app_id': source.app.id, 'paas.slug': source.checksum },
      user: 'dyno',
      workingDir: '/app',
    });
  } finally {
    await runtime.removeContainer(id, { force: true }).catch(() => {});
  }
  return tag;
}
