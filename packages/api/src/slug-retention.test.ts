import { describe, expect, it } from 'vitest';
import type { ReleaseRecord, SlugRecord } from '@paas/store';
import { slugsToPrune } from './slug-retention.js';

const slug = (id: string, minute: number, prunedAt: string | null = null): SlugRecord => ({
  id, appId: 'a', checksum: `SHA256:${id}`, path: `/s/${id}`, size: 1, image: `i:${id}`, processTypes: {}, buildpack: null, stack: 's', commit: null,
  createdAt: `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`, prunedAt,
});
const release = (version: number, slugId: string | null, status: ReleaseRecord['status'] = 'succeeded'): ReleaseRecord => ({
  id: `r${version}`, appId: 'a', version, slugId, config: {}, description: '', status, failureReason: null, userEmail: 'u',
  createdAt: `2026-01-01T00:${String(version * 2 + 1).padStart(2, '0')}:00.000Z`, updatedAt: '',
});

describe('slugsToPrune', () => {
  const slugs = [slug('s1', 1), slug('s2', 3), slug('s3', 5), slug('s4', 7), slug('s5', 9)];
  const releases = [1, 2, 3, 4, 5].map((v) => release(v, `s${v}`));

  it('keeps the slugs of the newest N releases and prunes the rest', () => {
    const pruned = slugsToPrune({ slugs, releases, currentReleaseId: 'r5', keepReleases: 3 });
    expect(pruned.map((s) => s.id)).toEqual(['s1', 's2']);
  });

  it('never prunes the current release (after a rollback far back) or a pending one', () => {
    const withRollback = [...releases, release(6, 's1'), release(7, null), release(8, null), release(9, 's2', 'pending')];
    const pruned = slugsToPrune({ slugs, releases: withRollback, currentReleaseId: 'r6', keepReleases: 2 });
    expect(pruned.map((s) => s.id)).toEqual(['s3', 's4', 's5']);
  });

  it('skips slugs already pruned and slugs newer than every release', () => {
    const more = [slug('s0', 0, 'x'), ...slugs, slug('s6', 59)];
    const pruned = slugsToPrune({ slugs: more, releases, currentReleaseId: 'r5', keepReleases: 1 });
    expect(pruned.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4']);
  });
});
