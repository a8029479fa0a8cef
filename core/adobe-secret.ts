/**
 * The Adobe credentials secret as the construct creates it and the function reads it: until an
 * operator puts the real credentials, it holds this placeholder (with a random `clientSecret` the
 * construct generates). The function recognizes it and says which secret it read.
 */
export const ADOBE_SECRET_PLACEHOLDER = {
  clientId: 'REPLACE_WITH_CLIENT_ID',
  orgId: 'REPLACE_WITH_IMS_ORG_ID',
} as const;
