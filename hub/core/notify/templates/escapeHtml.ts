/** Text into HTML content or a double-quoted attribute: customer names and carrier text are untrusted. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) =>
    char === "&" ? "&amp;" : char === "<" ? "&lt;" : char === ">" ? "&gt;" : char === '"' ? "&quot;" : "&#39;"
  )
