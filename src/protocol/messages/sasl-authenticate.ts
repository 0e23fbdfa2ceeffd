/** SaslAuthenticate (key 36): versions 0-2, flexible from 2. */
import { api, field, request, response } from "../schema.ts";

const meta = { apiKey: 36, valid: "0-2", flexible: "2+" };

export const SaslAuthenticate = api(
  request({ ...meta, name: "SaslAuthenticateRequest" }, [
    field("authBytes", "bytes", "0+"),
  ]),
  response({ ...meta, name: "SaslAuthenticateResponse" }, [
    field("errorCode", "int16", "0+"),
    field("errorMessage", "string", "0+", { nullable: "0+" }),
    field("authBytes", "bytes", "0+"),
    field("sessionLifetimeMs", "int64", "1+"),
  ]),
);
