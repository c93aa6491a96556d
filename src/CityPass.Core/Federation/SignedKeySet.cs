using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;

namespace CityPass.Core.Federation;

/// <summary>
/// A city's public key set as it publishes it to other cities: the keys (with their windows and revocations), an
/// issue time and an expiry, signed by the city's federation key, which signs nothing else (docs/federation.md).
/// The wire form is a flattened JSON Web Signature (RFC 7515 §7.2.2): for ES256 any JOSE library verifies it.
/// </summary>
public sealed record SignedKeySet(IssuerId Issuer, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, PublicKeySet Keys)
{
    /// <summary>The largest document read: a city's keys are a few hundred bytes each.</summary>
    public const int MaxDocumentBytes = 64 * 1024;

    /// <summary>The JWS <c>typ</c> of the document, and the payload's <c>type</c>.</summary>
    public const string MediaType = "citypass-keyset+jws";

    public const string PayloadType = "citypass-keyset/1";

    /// <summary>Signs <paramref name="keys"/> with the federation key; the result is the document's text.</summary>
    public static string Sign(PublicKeySet keys, DateTimeOffset issuedAt, DateTimeOffset expiresAt, SigningKey federationKey)
    {
        if (expiresAt <= issuedAt) throw new ArgumentException("A document expires after it is issued.", nameof(expiresAt));
        var header = Header(federationKey.Suite);
        var payload = JsonSerializer.SerializeToUtf8Bytes(
            new KeySetPayload(PayloadType, keys.Issuer.ToString(), issuedAt.ToUniversalTime(), expiresAt.ToUniversalTime(), KeySetJson.ToDocuments(keys)),
            ReadablePayload);
        var encodedHeader = Base64Url.EncodeToString(header);
        var encodedPayload = Base64Url.EncodeToString(payload);
        Span<byte> signature = stackalloc byte[SigningKey.SignatureLength];
        federationKey.Sign(SigningInput(encodedHeader, encodedPayload), signature);
        return JsonSerializer.Serialize(new Jws(encodedHeader, encodedPayload, Base64Url.EncodeToString(signature)), SignedKeySetJsonContext.Default.Jws);
    }

    /// <summary>
    /// Reads a document and checks its signature under the pinned <paramref name="federationKey"/> and that it is
    /// <paramref name="expectedIssuer"/>'s. Nothing in the payload is read before the signature verifies. Never throws
    /// on bad input. Freshness (newer than the one held, not expired) is the holder's to judge.
    /// </summary>
    public static KeySetDocumentFailure TryVerify(string text, VerificationKey federationKey, IssuerId expectedIssuer, out SignedKeySet? document)
    {
        document = null;
        // A UTF-8 character is at least a byte, so the length bounds the count before anything is counted.
        if (text.Length > MaxDocumentBytes || Encoding.UTF8.GetByteCount(text) > MaxDocumentBytes) return KeySetDocumentFailure.TooLarge;
        Jws? jws;
        JwsHeader? header;
        try
        {
            jws = JsonSerializer.Deserialize(text, SignedKeySetJsonContext.Default.Jws);
            if (jws?.Protected is null || jws.Payload is null || jws.Signature is null) return KeySetDocumentFailure.Malformed;
            header = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(jws.Protected), SignedKeySetJsonContext.Default.JwsHeader);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return KeySetDocumentFailure.Malformed;
        }
        if (header?.Typ != MediaType) return KeySetDocumentFailure.Malformed;
        // The algorithm is the pinned key's, never the document's choice: a header naming another one is refused.
        if (!SignatureSuiteExtensions.TryParseWireName(header.Alg, out var suite) || suite != federationKey.Suite) return KeySetDocumentFailure.AlgorithmMismatch;

        byte[] signature;
        try
        {
            signature = Base64Url.DecodeFromChars(jws.Signature);
        }
        catch (FormatException)
        {
            return KeySetDocumentFailure.Malformed;
        }
        if (signature.Length != SigningKey.SignatureLength || !federationKey.Verify(SigningInput(jws.Protected, jws.Payload), signature))
        {
            return KeySetDocumentFailure.SignatureInvalid;
        }

        try
        {
            var payload = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(jws.Payload), SignedKeySetJsonContext.Default.KeySetPayload);
            if (payload is not { Type: PayloadType, IssuedAt: { } issuedAt, ExpiresAt: { } expiresAt } || expiresAt <= issuedAt) return KeySetDocumentFailure.Malformed;
            var keys = KeySetJson.FromDocuments(payload.Issuer, payload.Keys);
            if (keys.Issuer != expectedIssuer) return KeySetDocumentFailure.IssuerMismatch;
            document = new SignedKeySet(keys.Issuer, issuedAt, expiresAt, keys);
            return KeySetDocumentFailure.None;
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            return KeySetDocumentFailure.Malformed;
        }
    }

    // The payload as people read it when they decode it: base64's '+' as '+', not \u002B (both are valid JSON; the
    // signature covers the bytes either way).
    private static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<KeySetPayload> ReadablePayload =
        (System.Text.Json.Serialization.Metadata.JsonTypeInfo<KeySetPayload>)new JsonSerializerOptions(SignedKeySetJsonContext.Default.Options)
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }.GetTypeInfo(typeof(KeySetPayload));

    // Written by hand so the '+' of the type stays a '+' (the serializer's default encoder escapes it as \u002B, which
    // is valid JSON but not what anyone reading a JOSE header expects).
    private static byte[] Header(SignatureSuite suite)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("alg", suite.ToWireName());
            writer.WriteString("typ", MediaType);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    // RFC 7515 §5.1: ASCII(BASE64URL(header) || '.' || BASE64URL(payload)).
    private static byte[] SigningInput(string encodedHeader, string encodedPayload) => Encoding.ASCII.GetBytes(encodedHeader + "." + encodedPayload);
}

internal sealed record Jws(string? Protected, string? Payload, string? Signature);

internal sealed record JwsHeader(string? Alg, string? Typ);

internal sealed record KeySetPayload(string? Type, string? Issuer, DateTimeOffset? IssuedAt, DateTimeOffset? ExpiresAt, List<PublicKeyDocument>? Keys);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Jws))]
[JsonSerializable(typeof(JwsHeader))]
[JsonSerializable(typeof(KeySetPayload))]
internal sealed partial class SignedKeySetJsonContext : JsonSerializerContext;
