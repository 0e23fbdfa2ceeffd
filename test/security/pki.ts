/** A throwaway PKI made with openssl for the TLS tests: a CA, server certificates for 127.0.0.1, client certificates. */
import { join } from "node:path";
import { readFileSync, writeFileSync } from "node:fs";

function openssl(dir: string, args: string[]): void {
  const r = Bun.spawnSync(["openssl", ...args], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
}

export interface Pki {
  dir: string;
  caPem: string;
  /** Makes a key + certificate signed by the CA; returns paths of the key, the cert and a file with both. */
  issue(name: string, subject: string, server: boolean): { key: string; cert: string; both: string };
}

export function makePki(dir: string): Pki {
  openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Takhin Test CA"]);
  let serial = 1;
  return {
    dir,
    caPem: join(dir, "ca.pem"),
    issue(name, subject, server) {
      openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject]);
      writeFileSync(join(dir, `${name}.ext`), server ? "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n" : "extendedKeyUsage=clientAuth\n");
      openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", String(serial++), "-out", `${name}.pem`, "-days", "2", "-extfile", `${name}.ext`]);
      const both = join(dir, `${name}-keystore.pem`);
      writeFileSync(both, readFileSync(join(dir, `${name}.key`), "utf8") + readFileSync(join(dir, `${name}.pem`), "utf8"));
      return { key: join(dir, `${name}.key`), cert: join(dir, `${name}.pem`), both };
    },
  };
}
