import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { WechatCryptoError } from './errors.js';

// WeChat's pushes are flat <xml> documents. Entities are never expanded and a DOCTYPE is refused
// outright: a push has no use for either, and both are how XML parsers get attacked.
const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignoreAttributes: true,
  // Keep every value a string: an appid or a ticket must not turn into a number on the way.
  parseTagValue: false,
  trimValues: true,
});

const builder = new XMLBuilder({ cdataPropName: '#cdata', suppressEmptyNode: false });

/** The string-valued children of a push's root `<xml>` element. Nested elements are not returned. */
export type XmlFields = Readonly<Record<string, string>>;

export function parseFlatXml(xml: string): XmlFields {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml))
    throw new WechatCryptoError('bad_xml', 'XML with a DOCTYPE or ENTITY is refused');
  if (XMLValidator.validate(xml) !== true) throw new WechatCryptoError('bad_xml', 'the body is not well-formed XML');
  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch {
    // The parser refuses deep nesting and prototype-polluting names by throwing: still just bad XML. No
    // `cause`: the parser's message may quote the document, and a decrypted push holds a ticket or a code.
    throw new WechatCryptoError('bad_xml', 'the body is not XML this service accepts');
  }
  const root =
    typeof document === 'object' && document !== null ? (document as Record<string, unknown>)['xml'] : undefined;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw new WechatCryptoError('bad_xml', 'the root element is not <xml>');
  }
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(root)) {
    if (typeof value === 'string') fields[name] = value;
  }
  return fields;
}

/** A flat `<xml>` document; strings go in CDATA sections, numbers as they are (as WeChat writes them). */
export function buildFlatXml(fields: Readonly<Record<string, string | number>>): string {
  const content: Record<string, string | number | { '#cdata': string }> = {};
  for (const [name, value] of Object.entries(fields)) {
    content[name] = typeof value === 'number' ? value : { '#cdata': value };
  }
  return String(builder.build({ xml: content }));
}

export function requireField(fields: XmlFields, name: string): string {
  const value = fields[name];
  if (value === undefined || value === '') throw new WechatCryptoError('missing_field', `the XML has no <${name}>`);
  return value;
}
