/**
 * Adobe's side of a rotation: after the PATCH, Flow Service explores the connection, listing S3
 * with exactly the credentials the connection now holds (`GET /connections/{id}/explore`, in the
 * S3 and cloud-storage exploration tutorials). A 200 proves Adobe can read the bucket; anything
 * else means ingestion would fail at the next dataflow run.
 */
import type { RotationTarget } from './config.js';

/** The query of one explore request. */
export type ExploreQuery = { readonly objectType: 'root' } | { readonly objectType: 'folder'; readonly object: string };

/**
 * What to explore for a target: its folder when it names its bucket (credentials narrowed to a
 * folder may not list the bucket's root), else the root.
 *
 * ASSUMPTION: Adobe's docs do not say how an S3 folder is named in `object`; the exploration
 * tutorials show paths such as `/some/path/` and entries whose `path` starts with the bucket, so
 * the folder is `/<bucket>/<folderPath>/`. This is the one place that builds it.
 */
export function exploreQueryFor(target: Pick<RotationTarget, 'bucketName' | 'folderPath'>): ExploreQuery {
  if (!target.bucketName) return { objectType: 'root' };
  const folder = target.folderPath?.replace(/^\/+|\/+$/g, '');
  return { objectType: 'folder', object: `/${target.bucketName}/${folder ? `${folder}/` : ''}` };
}

/** How a query reads in a message: `s3://bucket/folder/`, or "the connection's root". */
export function describeExploreQuery(query: ExploreQuery): string {
  return query.objectType === 'root' ? "the bucket's root" : `s3:/${query.object}`;
}
