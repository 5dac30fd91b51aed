/**
 * Error details sometimes quote what the client sent: Nest's router says "Cannot GET
 * /oauth2/introspect?token=…", a not-found may name what was looked up. A credential must never
 * come back in an answer (or a log), so before a detail leaves the service its query strings are
 * dropped and anything shaped like a Portcullis key, a JWT or a Basic/Bearer value is masked.
 */
const QUERY = /(\/[^\s?"]*)\?[^\s"]*/g;
const PORTCULLIS_KEY = /pcl_[0-9A-Za-z]{6,}/g;
const JWT = /eyJ[\w-]*\.[\w-]+\.[\w-]*/g;
const SCHEME_VALUE = /\b(Bearer|Basic)\s+[\w~+/.=-]+/gi;

export function redactCredentials(detail: string): string {
  return detail
    .replace(QUERY, '$1?…')
    .replace(PORTCULLIS_KEY, 'pcl_…')
    .replace(JWT, '[a JWT]')
    .replace(SCHEME_VALUE, '$1 …');
}
