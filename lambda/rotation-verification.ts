/**
 * Adobe's answers about a rotation, as the connection's result says them: after the PATCH (a
 * refusal fails the entry, although the new credentials are in place), on the one more attempt
 * (Adobe is only asked again), and on a dry run (with what the connection holds now).
 */
import { checkAdobeAccess, type AccessPlan, type AdobeAccess, type ExploreClient } from './adobe-verification.js';
import { describeFailure, type FailureDescription } from './errors.js';
import type { CallOptions } from './flow-service-client.js';
import type { ConnectionResult } from './summary.js';

/** The plan each result was checked with, for its one more attempt (which asks Adobe again, and only that). */
const plans = new WeakMap<ConnectionResult, AccessPlan>();
/** Said when Adobe's check threw instead of answering: nothing is known about the bucket. */
const NO_ANSWER = 'Adobe did not answer whether it can list and read with the credentials the connection holds now';

/** What the result says of Adobe's answers. */
type AccessFields = Pick<
  ConnectionResult,
  'adobeVerified' | 'adobeCanList' | 'adobeCanRead' | 'adobeReadUnproven' | 'exploreForm'
>;

function accessFields(access: AdobeAccess): AccessFields {
  if (!access.canList) return { adobeVerified: false, adobeCanList: false };
  return {
    // `adobeVerified` keeps its meaning: Adobe listed.
    adobeVerified: true,
    adobeCanList: true,
    ...(access.canRead !== undefined ? { adobeCanRead: access.canRead } : {}),
    ...(access.readUnproven ? { adobeReadUnproven: access.readUnproven } : {}),
    exploreForm: access.form,
  };
}

/**
 * Why Adobe's refusal means ingestion would fail, and where to look: permissions to list, or to read (objects, KMS).
 */
function refusalWords(
  access: AdobeAccess,
  call: CallOptions,
  held: string,
): { readonly error: string; readonly errorCode: string } {
  if (!access.canList) {
    const { message, code } = describeIn(access.listRefusal, call);
    const both = access.bothFormsRefused
      ? " (Adobe refused the path both absolute and relative to the connection's own folder)"
      : '';
    return {
      errorCode: code,
      error:
        `Adobe could not list ${access.listed} with ${held}${both}, so ingestion would fail; ` +
        `check s3:ListBucket in the role's permissions, the bucket policy and the session policy's folder: ${message}`,
    };
  }
  const { message, code } = describeIn(access.readRefusal?.error, call);
  return {
    errorCode: code,
    error:
      `Adobe listed ${access.listed} but could not read ${access.readRefusal?.file} with ${held}, ` +
      "so ingestion would fail; check s3:GetObject on the objects (the role's permissions, the bucket policy, " +
      "the session policy's folder) and, for SSE-KMS, kms:Decrypt on the bucket's key (the key policy, " +
      "the role's permissions): " +
      message,
  };
}

/**
 * After the PATCH: Adobe lists what the connection reads with the new credentials, and reads a file
 * the listing shows. A refusal makes the entry `failed` although the new credentials are in place
 * (its etag is the PATCH's), because ingestion would fail; it is not retried in the run (new
 * credentials of the same role would be refused the same way). A check Adobe did not answer (429 or
 * 5xx after got's retries, a timeout) says nothing about the bucket: that entry is `transient`, and
 * its one more attempt only asks Adobe again ({@link reverifyRotation}).
 */
export async function verifyRotation(
  rotated: ConnectionResult,
  plan: AccessPlan,
  client: ExploreClient,
  call: CallOptions,
): Promise<ConnectionResult> {
  const inPlace = `the connection now holds the new credentials (etag ${rotated.etag}), but`;
  const unverified = {
    ...rotated,
    status: 'failed',
    heldCredentialsExpireAt: rotated.expiresAt,
    adobeVerified: false,
  } as const;
  let result: ConnectionResult;
  try {
    const access = await checkAdobeAccess(client, plan, call);
    const fields = accessFields(access);
    if (access.canList && access.canRead !== false) {
      result = { ...rotated, ...fields };
    } else {
      result = { ...unverified, ...fields, ...prefixed(refusalWords(access, call, 'them'), inPlace) };
    }
  } catch (error) {
    const { message, code, transient } = describeIn(error, call);
    if (call.signal?.aborted) {
      result = {
        ...unverified,
        errorCode: 'OUT_OF_TIME',
        error:
          `${inPlace} the invocation reached its deadline before Adobe answered whether it can list and read with ` +
          'them',
      };
    } else if (transient) {
      result = {
        ...unverified,
        errorCode: code,
        transient,
        error:
          `${inPlace} Adobe could not list or read with them because Flow Service did not answer, ` +
          `which says nothing about the bucket: ${message}`,
      };
    } else {
      result = {
        ...unverified,
        errorCode: code,
        error: `${inPlace} Adobe's check of them could not be made: ${message}`,
      };
    }
  }
  plans.set(result, plan);
  return result;
}

const prefixed = (words: { error: string; errorCode: string }, prefix: string) => ({
  ...words,
  error: `${prefix} ${words.error}`,
});

/**
 * The one more attempt for a rotation whose PATCH landed but whose check Adobe did not answer:
 * the connection already holds the new set, so asking Adobe again is the whole attempt; minting and
 * patching again would only replace credentials nobody has found wrong.
 * @param fallbackPlan the plan when the earlier result's is not known (it was not made here).
 */
export function reverifyRotation(
  previous: ConnectionResult,
  fallbackPlan: AccessPlan,
  client: ExploreClient,
  call: CallOptions,
): Promise<ConnectionResult> {
  const {
    error: _error,
    errorCode: _errorCode,
    transient: _transient,
    heldCredentialsExpireAt: _held,
    adobeVerified: _verified,
    adobeCanList: _list,
    adobeCanRead: _read,
    adobeReadUnproven: _unproven,
    exploreForm: _form,
    ...rotated
  } = previous;
  return verifyRotation(
    { ...rotated, status: 'rotated', attempts: previous.attempts + 1 },
    plans.get(previous) ?? fallbackPlan,
    client,
    call,
  );
}

/** Dry run: can Adobe list and read with what the connection holds now? Never throws. */
export async function probeAdobe(
  plan: AccessPlan,
  client: ExploreClient,
  call: CallOptions,
): Promise<AccessFields & Pick<ConnectionResult, 'adobeError' | 'adobeErrorCode'>> {
  try {
    const access = await checkAdobeAccess(client, plan, call);
    const fields = accessFields(access);
    if (access.canList && access.canRead !== false) return fields;
    const { error, errorCode } = refusalWords(access, call, 'the credentials the connection holds now');
    return { ...fields, adobeError: error, adobeErrorCode: errorCode };
  } catch (error) {
    const { message, code } = describeIn(error, call);
    return {
      adobeVerified: false,
      adobeErrorCode: code,
      adobeError: `${NO_ANSWER}: ${message}`,
    };
  }
}

/**
 * Why a request failed, in words that leave the function (the result, its log line, the run's
 * error): scrubbed of what this invocation minted as well as of the container's secrets.
 */
export function describeIn(error: unknown, call: CallOptions): FailureDescription {
  const failure = describeFailure(error);
  if (!call.redactor) return failure;
  const { redactor } = call;
  return {
    ...failure,
    message: redactor.redact(failure.message),
    ...(failure.adobeDetail ? { adobeDetail: redactor.redact(failure.adobeDetail) } : {}),
  };
}
