/**
 * `takhin acl ...` and `takhin user ...`: not supported until Takhin's security (SASL/SCRAM users,
 * ACLs) lands. Each answers with an error (exit 1), never a pretend success.
 */
import { CliError, type Leaf } from "./command.ts";

function notYet(name: string, what: string): Leaf {
  return {
    name,
    summary: `${what} (not supported yet)`,
    flags: [],
    positionals: [{ name: "args", required: false, variadic: true }],
    run: async () => {
      throw new CliError("NotSupported", `takhin ${name} is not supported yet: ${what} arrive with security (SASL/SCRAM and ACLs)`);
    },
  };
}

export const aclCommand = notYet("acl", "access control lists");
export const userCommand = notYet("user", "SCRAM users");
