/**
 * Adobe's side of a rotation, two answers rather than one (FLOW-SERVICE.md, "Explore"):
 *
 * - can Adobe list what the connection reads: `GET /connections/{id}/explore` of its folder (needs
 *   only `s3:ListBucket`);
 * - can Adobe read it: when the listing shows a file, a preview of it
 *   (`objectType=file&…&preview=true`, which makes Adobe call `GetObject`, and `kms:Decrypt` for
 *   SSE-KMS). A listing of nothing (`200 []`) proves the first and not the second.
 *
 * The path is asked in the form Adobe accepted last time for this connection (the ledger keeps it),
 * and when Adobe refuses it as a path, once in the other form: no PATCH is repeated for that.
 */
import type { S3Scope } from './connection-scope.js';
import type { CallOptions, ExploreEntry } from './flow-service-client.js';
import {
  describeExploreQuery,
  exploreForms,
  firstPreviewable,
  isPathRefusal,
  listingQuery,
  type ExploreForm,
  type ExploreQuery,
  type FileQuery,
} from './explore-paths.js';

export type { ExploreQuery } from './explore-paths.js';

/** The explore requests the check makes (the Flow Service client, narrowed). */
export interface ExploreClient {
  exploreConnection(
    connectionId: string,
    sandboxName: string,
    query: ExploreQuery,
    call?: CallOptions,
  ): Promise<ExploreEntry[]>;
  previewFile(connectionId: string, sandboxName: string, query: FileQuery, call?: CallOptions): Promise<void>;
}

/** What to check for one connection. */
export interface AccessPlan {
  readonly connectionId: string;
  readonly sandboxName: string;
  /** What the connection reads (undefined: the root). */
  readonly reads?: S3Scope;
  /** What the connection declares in its own params: relative paths start there. */
  readonly declared?: S3Scope;
  /** The form Adobe accepted the last time (the ledger's), tried first. */
  readonly rememberedForm?: ExploreForm;
}

/** Why read was not proven although Adobe listed: it listed nothing, or nothing it could preview. */
export type ReadUnproven = 'listed-nothing' | 'no-previewable-file';

/** What Adobe answered. A refusal is a result; a request Adobe did not answer (429, 5xx, no answer) throws. */
export type AdobeAccess =
  | {
      readonly canList: true;
      /** Undefined: not tried (see `readUnproven`). */
      readonly canRead?: boolean;
      readonly readUnproven?: ReadUnproven;
      readonly form: ExploreForm;
      /** What was listed, in words (`s3://bucket/folder/`). */
      readonly listed: string;
      /** Set when `canRead` is false: the file, in words, and Adobe's refusal. */
      readonly readRefusal?: { readonly file: string; readonly error: unknown };
    }
  | {
      readonly canList: false;
      readonly listed: string;
      /** Adobe's refusal of the listing: one that is not about the path, else the first form's. */
      readonly listRefusal: unknown;
      /** Both forms were refused as paths Adobe cannot read. */
      readonly bothFormsRefused?: boolean;
    };

/**
 * Ask Adobe to list what the connection reads, in the form it accepted last time (else absolute),
 * and once in the other form when it refuses that as a path; then, when the listing shows a file it
 * can preview, to read it in the same form.
 * @throws the request's error when Adobe did not answer (a transient {@link FlowServiceError}, an abort).
 */
export async function checkAdobeAccess(
  client: ExploreClient,
  plan: AccessPlan,
  call: CallOptions,
): Promise<AdobeAccess> {
  const forms = exploreForms(plan.declared, plan.rememberedForm);
  const first = listingQuery(plan.reads, forms[0]!);
  const listed = describeExploreQuery(first, plan.declared);
  let pathRefusal: unknown;
  for (const [index, form] of forms.entries()) {
    let entries: ExploreEntry[];
    try {
      entries = await client.exploreConnection(
        plan.connectionId,
        plan.sandboxName,
        listingQuery(plan.reads, form),
        call,
      );
    } catch (error) {
      if (!isRefusal(error)) throw error;
      if (!isPathRefusal(error)) return { canList: false, listed, listRefusal: error };
      pathRefusal ??= error;
      if (index < forms.length - 1) continue;
      // Every form refused as a path: the first form's refusal says it best.
      return { canList: false, listed, listRefusal: pathRefusal, ...(index > 0 ? { bothFormsRefused: true } : {}) };
    }
    if (entries.length === 0) return { canList: true, readUnproven: 'listed-nothing', form, listed };
    const preview = firstPreviewable(entries);
    if (!preview) return { canList: true, readUnproven: 'no-previewable-file', form, listed };
    try {
      await client.previewFile(plan.connectionId, plan.sandboxName, preview, call);
      return { canList: true, canRead: true, form, listed };
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return {
        canList: true,
        canRead: false,
        form,
        listed,
        readRefusal: { file: describeExploreQuery(preview, plan.declared), error },
      };
    }
  }
  // Unreachable: the loop returns on the last form.
  return { canList: false, listed, listRefusal: pathRefusal };
}

/** A refusal Adobe gave (its answer), as opposed to no answer: only those are results. */
function isRefusal(error: unknown): boolean {
  const transient = (error as { transient?: unknown })?.transient;
  const aborted = (error as { name?: unknown })?.name === 'AbortError';
  return typeof transient === 'boolean' && !transient && !aborted;
}
