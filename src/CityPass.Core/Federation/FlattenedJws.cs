using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CityPass.Core.Keys;

namespace CityPass.Core.Federation;

/// <summary>Why a flattened JWS was not opened; the documents built on it map these to their own codes.</summary>
internal enum JwsFailure
{
    None = 0,
    TooLarge,
    Malformed,
    AlgorithmMismatch,
    SignatureInvalid,
}

/// <summary>
/// The signed envelope of the city's documents: a flattened JSON Web Signature (RFC 7515 §7.2.2) whose header names
/// the algorithm (ES256 or SM2-SM3) and a type, so a document of one kind can never be taken for another.
/// </summary>
internal static class FlattenedJws
{
    public static string Sign(ReadOnlySpan<byte> payload, string type, SigningKey key)
    {
        var encodedHeader = Base64Url.EncodeToString(Header(key.Suite, type));
        var encodedPayload = Base64Url.EncodeToString(payload);
        Span<byte> signature = stackalloc byte[SigningKey.SignatureLength];
        key.Sign(SigningInput(encodedHeader, encodedPayload), signature);
        return JsonSerializer.Serialize(new Jws(encodedHeader, encodedPayload, Base64Url.EncodeToString(signature)), FlattenedJwsJsonContext.Default.Jws);
    }

    /// <summary>
    /// The payload's bytes once the envelope is well formed, of <paramref name="type"/>, signed with the algorithm of
    /// <paramref name="key"/> (never the header's choice) and verified under it. Never throws on bad input.
    /// </summary>
    public static JwsFailure TryOpen(string text, int maxBytes, string type, VerificationKey key, out byte[] payload)
    {
        payload = [];
        // A UTF-8 character is at least a byte, so the length bounds the count before anything is counted.
        if (text.Length > maxBytes || Encoding.UTF8.GetByteCount(text) > maxBytes) return JwsFailure.TooLarge;
        Jws? jws;
        JwsHeader? header;
        byte[] signature;
        try
        {
            jws = JsonSerializer.Deserialize(text, FlattenedJwsJsonContext.Default.Jws);
            if (jws?.Protected is null || jws.Payload is null || jws.Signature is null) return JwsFailure.Malformed;
            header = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(jws.Protected), FlattenedJwsJsonContext.Default.JwsHeader);
            signature = Base64Url.DecodeFromChars(jws.Signature);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return JwsFailure.Malformed;
        }
        if (header?.Typ != type) return JwsFailure.Malformed;
        if (!SignatureSuiteExtensions.TryParseWireName(header.Alg, out var suite) || suite != key.Suite) return JwsFailure.AlgorithmMismatch;
        if (signature.Length != SigningKey.SignatureLength || !key.Verify(SigningInput(jws.Protected, jws.Payload), signature)) return JwsFailure.SignatureInvalid;
        try
        {
            payload = Base64Url.DecodeFromChars(jws.Payload);
            return JwsFailure.None;
        }
        catch (FormatException)
        {
            return JwsFailure.Malformed;
        }
    }

    // Written by hand so the '+' of a type stays a '+' (the serializer's default encoder escapes it as \u002B, which
    // is valid JSON but not what anyone reading a JOSE header expects).
    private static byte[] Header(SignatureSuite suite, string type)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("alg", suite.ToWireName());
            writer.WriteString("typ", type);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    // RFC 7515 §5.1: ASCII(BASE64URL(header) || '.' || BASE64URL(payload)).
    private static byte[] SigningInput(string encodedHeader, string encodedPayload) => Encoding.ASCII.GetBytes(encodedHeader + "." + encodedPayload);
}

internal sealed record Jws(string? Protected, string? Payload, string? Signature);

internal sealed record JwsHeader(string? Alg, string? Typ);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Jws))]
[JsonSerializable(typeof(JwsHeader))]
internal sealed partial class FlattenedJwsJsonContext : JsonSerializerContext;
