/**
 * Turns what Node's TLS layer and mqtt.js report for a refused connection into a sentence that names the broker
 * setting to fix. These errors repeat on every reconnect attempt and will not go away by themselves, so the
 * station shows this text (Manager screen, `packbench outbox`) instead of an OpenSSL alert number.
 */
export const explainConnectionError = (
  error: Error & { readonly code?: unknown }
): { readonly text: string; readonly needsPerson: boolean } => {
  const text = explainKnown(error)
  if (text !== undefined) return { text, needsPerson: true }
  const code = error.code
  return { text: typeof code === "string" ? `${code}: ${error.message}` : error.message, needsPerson: false }
}

const explainKnown = (error: Error & { readonly code?: unknown }): string | undefined => {
  const code = error.code
  const detail = typeof code === "string" ? `${code}: ${error.message}` : error.message
  switch (code) {
    case "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED":
      return "TLS: the broker requires a client certificate and the station sent none: set broker.certFile and broker.keyFile"
    case "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA":
    case "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE":
    case "ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN":
    case "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED":
    case "ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED":
    case "ERR_SSL_TLSV1_ALERT_ACCESS_DENIED":
      return `TLS: the broker rejected the station's client certificate (broker.certFile): it is not signed by a CA the broker trusts, or it expired or was revoked (${code})`
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
      return `TLS: the broker's certificate is not signed by a CA the station trusts: set broker.caFile to the CA that signed it (${code})`
    case "CERT_HAS_EXPIRED":
      return "TLS: the broker's certificate has expired (CERT_HAS_EXPIRED)"
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `TLS: the broker's certificate is not issued for the host in broker.url (${error.message})`
    case 4:
    case 0x86:
      return `the broker refused the login: bad username or password (broker.username, broker.password) (${detail})`
    case 5:
    case 0x87:
      return `the broker refused the login: not authorized; check broker.username, broker.password and the client certificate (${detail})`
    default:
      return undefined
  }
}
