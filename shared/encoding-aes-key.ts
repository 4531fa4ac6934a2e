/**
 * WeChat's EncodingAESKey (消息加解密Key): 43 characters of standard base64 (the AES-256 key without its
 * trailing `=`). The one rule for its form, read by the secret's schema (so a mistyped key, a URL-safe
 * `-` or `_` or a stray character, is a secret error the operator sees at once, not a refusal of every
 * genuine push) and by the message crypto.
 */
// Any final character: WeChat's console makes keys of letters and digits at random, so the last one
// often carries stray low bits (its own sample key ends in `G`), which base64 decoders drop.
const ENCODING_AES_KEY = /^[A-Za-z0-9+/]{43}$/;

/** Whether `text` is an EncodingAESKey: 43 characters of the standard base64 alphabet. */
export function isEncodingAesKey(text: string): boolean {
  return ENCODING_AES_KEY.test(text);
}
