import { execFileSync } from "node:child_process"
import { join } from "node:path"

export interface TestPki {
  /** The CA that signed the broker and the good client certificates. */
  readonly caFile: string
  readonly serverCertFile: string
  readonly serverKeyFile: string
  /** Issue a client certificate with common name `cn`, signed by the test CA or by a CA the broker does not know. */
  readonly client: (cn: string, signer?: "ca" | "stranger") => { readonly certFile: string; readonly keyFile: string }
}

/**
 * A throwaway PKI made with the openssl CLI in `dir`: a CA, a server certificate for 127.0.0.1 (in the subject
 * alternative name, which is what TLS clients check) and client certificates on demand. For TLS tests only.
 */
export const makeTestPki = (dir: string): TestPki => {
  const openssl = (...args: Array<string>) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" })
  const selfSignedCa = (name: string) => {
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`
    )
  }
  const issue = (name: string, cn: string, signer: string, extensions: string) => {
    openssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${cn}`,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`
    )
    execFileSync("sh", ["-c", `printf '%s\\n' "${extensions}" > ${name}.ext`], { cwd: dir })
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${signer}.crt`,
      "-CAkey",
      `${signer}.key`,
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.crt`
    )
    return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) }
  }
  selfSignedCa("ca")
  selfSignedCa("stranger")
  const server = issue("server", "127.0.0.1", "ca", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth")
  let issued = 0
  return {
    caFile: join(dir, "ca.crt"),
    serverCertFile: server.certFile,
    serverKeyFile: server.keyFile,
    client: (cn, signer = "ca") =>
      issue(`client-${++issued}`, cn, signer === "ca" ? "ca" : "stranger", "extendedKeyUsage=clientAuth")
  }
}
