/** SaslHandshake (key 17): versions 0-1, never flexible. */
import { api, arr, field, request, response } from "../schema.ts";

const meta = { apiKey: 17, valid: "0-1", flexible: "none" };

export const SaslHandshake = api(
  request({ ...meta, name: "SaslHandshakeRequest" }, [
    field("mechanism", "string", "0+"),
  ]),
  response({ ...meta, name: "SaslHandshakeResponse" }, [
    field("errorCode", "int16", "0+"),
    field("mechanisms", arr("string"), "0+"),
  ]),
);
