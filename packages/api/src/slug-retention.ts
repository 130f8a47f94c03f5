import type { ReleaseRecord, SlugRecord } from '@paas/store';

/**
 * Which of an app's slugs the retention policy removes: those that no release among the newest
 * `keepReleases` refers to, that the current release does not use, and that no pending release needs.
 * Rolling back within the retention always works; beyond it, the release's code is gone.
 */
export function slugsToPrune(input: {
  slugs: SlugRecord[];
  releases: ReleaseRecord[];
  currentReleaseId: string | null;
  keepReleases: number;
}): SlugRecord[] {
  const newestFirst = [...input.releases].sort((a, b) => b.version - a.version);
  const kept = new Set<string>();
  for (const r of newestFirst.slice(0, input.keepReleases)) if (r.slugId) kept.add(r.slugId);
  for (const r of newestFirst) {
    if (r.slugId && (r.id === input.currentReleaseId || r.status === 'pending')) kept.add(r.slugId);
  }
  // A slug built but not yet released (its release is being created) is never old enough to matter:
  // keep slugs newer than the newest release.
  const newestRelease = newestFirst[0]?.createdAt ?? '';
  return input.slugs.filter((s) => !s.prunedAt && !kept.has(s.id) && s.createdAt <= newestRelease);
}
