/**
 * The service's two wire formats. Bodies are plain objects already in the service's shape
 * (`{"SourceServers":{"SourceServer":[...]}}`); XML repeats an element for each item of an array,
 * which is exactly how the service's XML spells its wrapped lists.
 */
import type { ApiError } from "./errorCatalogue.ts";

export type ResponseFormat = "json" | "xml";

type WireValue = string | number | boolean | null | WireValue[] | { [key: string]: WireValue };
export type WireObject = { [key: string]: WireValue };

export interface RenderedResponse {
  status: number;
  contentType: string;
  body: string;
}

/** The HostId every error names: the endpoint the client called. */
const HOST_ID = "smc.aliyuncs.com";

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function xmlElement(name: string, value: WireValue): string {
  if (Array.isArray(value)) return value.map((item) => xmlElement(name, item)).join("");
  if (value === null) return `<${name}></${name}>`;
  if (typeof value === "object") {
    const inner = Object.entries(value)
      .map(([key, child]) => xmlElement(key, child))
      .join("");
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function render(
  status: number,
  format: ResponseFormat,
  root: string,
  body: WireObject,
): RenderedResponse {
  if (format === "xml") {
    return {
      status,
      contentType: "text/xml;charset=utf-8",
      body: `<?xml version="1.0" encoding="UTF-8"?>${xmlElement(root, body)}`,
    };
  }
  return { status, contentType: "application/json;charset=utf-8", body: JSON.stringify(body) };
}

/** A successful answer: the action's fields plus `RequestId`, inside `<{Action}Response>` in XML. */
export function renderSuccess(
  action: string,
  requestId: string,
  fields: WireObject,
  format: ResponseFormat,
): RenderedResponse {
  return render(200, format, `${action}Response`, { RequestId: requestId, ...fields });
}

/** An error body as the POP gateway writes it: RequestId, HostId, Code, Message, Recommend. */
export function renderError(
  error: ApiError,
  requestId: string,
  format: ResponseFormat,
): RenderedResponse {
  return render(error.status, format, "Error", {
    RequestId: requestId,
    HostId: HOST_ID,
    Code: error.code,
    Message: error.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=Smc`,
  });
}

/** `yyyy-MM-ddTHH:mm:ssZ`, the service's time format; "" for unset times. */
export function wireTime(ms: number | null): string {
  return ms === null ? "" : `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
