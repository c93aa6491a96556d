using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using CityPass.Core.Keys;

namespace CityPass.Core.Federation;

/// <summary>
/// A city's public key set as it publishes it to other cities: the keys (with their windows and revocations), an
/// issue time and an expiry, signed by the city's federation key (docs/federation.md). The wire form is a flattened
/// JSON Web Signature (<see cref="FlattenedJws"/>): for ES256 any JOSE library verifies it.
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
        var payload = JsonSerializer.SerializeToUtf8Bytes(
            new KeySetPayload(PayloadType, keys.Issuer.ToString(), issuedAt.ToUniversalTime(), expiresAt.ToUniversalTime(), KeySetJson.ToDocuments(keys)),
            ReadablePayload);
        return FlattenedJws.Sign(payload, MediaType, federationKey);
    }

    /// <summary>
    /// Reads a document and checks its signature under the pinned <paramref name="federationKey"/> and that it is
    /// <paramref name="expectedIssuer"/>'s. Nothing in the payload is read before the signature verifies. Never throws
    /// on bad input. Freshness (newer than the one held, not expired) is the holder's to judge.
    /// </summary>
    public static KeySetDocumentFailure TryVerify(string text, VerificationKey federationKey, IssuerId expectedIssuer, out SignedKeySet? document)
    {
        document = null;
        switch (FlattenedJws.TryOpen(text, MaxDocumentBytes, MediaType, federationKey, out var bytes))
        {
            case JwsFailure.TooLarge: return KeySetDocumentFailure.TooLarge;
            case JwsFailure.Malformed: return KeySetDocumentFailure.Malformed;
            case JwsFailure.AlgorithmMismatch: return KeySetDocumentFailure.AlgorithmMismatch;
            case JwsFailure.SignatureInvalid: return KeySetDocumentFailure.SignatureInvalid;
        }
        try
        {
            var payload = JsonSerializer.Deserialize(bytes, SignedKeySetJsonContext.Default.KeySetPayload);
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
    private static readonly JsonTypeInfo<KeySetPayload> ReadablePayload =
        (JsonTypeInfo<KeySetPayload>)new JsonSerializerOptions(SignedKeySetJsonContext.Default.Options)
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }.GetTypeInfo(typeof(KeySetPayload));
}

internal sealed record KeySetPayload(string? Type, string? Issuer, DateTimeOffset? IssuedAt, DateTimeOffset? ExpiresAt, List<PublicKeyDocument>? Keys);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(KeySetPayload))]
internal sealed partial class SignedKeySetJsonContext : JsonSerializerContext;
