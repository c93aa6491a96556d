using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using CityPass.Core.Keys;

namespace CityPass.Core.Federation;

/// <summary>
/// The key a city signs its published key-set document with, and nothing else. It is separate from the pass-signing
/// keys so that the key other cities pin changes rarely (pass keys rotate under it), and so that a leaked pass key
/// cannot be used to publish a key set of the attacker's choosing.
/// </summary>
public sealed class FederationKey
{
    private FederationKey(SigningKey key) => Key = key;

    public SigningKey Key { get; }

    public VerificationKey PublicKey => Key.PublicKey;

    /// <summary>SHA-256 of the public key's SubjectPublicKeyInfo, lowercase hex: what two cities' admins compare out of band.</summary>
    public string Fingerprint => FingerprintOf(PublicKey);

    public static FederationKey Generate(SignatureSuite suite) => new(SigningKey.Generate(suite));

    public static string FingerprintOf(VerificationKey key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));

    /// <summary>The private key file: <c>{"suite":"ES256","privateKey":"&lt;base64 PKCS#8&gt;"}</c>.</summary>
    public string ToPrivateJson() => JsonSerializer.Serialize(
        new PrivateFederationKeyDocument(Key.Suite.ToWireName(), Convert.ToBase64String(Key.ExportPkcs8())), FederationKeyJsonContext.Default.PrivateFederationKeyDocument);

    /// <summary>Reads a private key file; <see cref="FormatException"/> if it does not parse.</summary>
    public static FederationKey FromPrivateJson(string json)
    {
        try
        {
            var doc = JsonSerializer.Deserialize(json, FederationKeyJsonContext.Default.PrivateFederationKeyDocument);
            if (!SignatureSuiteExtensions.TryParseWireName(doc?.Suite, out var suite)) throw new FormatException("The federation key's suite is not ES256 or SM2-SM3.");
            return new FederationKey(SigningKey.Import(suite, Convert.FromBase64String(doc!.PrivateKey ?? throw new FormatException("privateKey is missing."))));
        }
        catch (Exception e) when (e is JsonException or CryptographicException or System.Formats.Asn1.AsnContentException or ArgumentException)
        {
            throw new FormatException("The federation key file is not valid: " + e.Message, e);
        }
    }

    /// <summary>The public key as another city pins it: suite and base64 SubjectPublicKeyInfo.</summary>
    public static VerificationKey ImportPublic(string? suiteName, string? publicKeyBase64)
    {
        if (!SignatureSuiteExtensions.TryParseWireName(suiteName, out var suite)) throw new FormatException("The suite is not ES256 or SM2-SM3.");
        try
        {
            return VerificationKey.Import(suite, Convert.FromBase64String(publicKeyBase64 ?? throw new FormatException("The public key is missing.")));
        }
        catch (Exception e) when (e is CryptographicException or System.Formats.Asn1.AsnContentException or ArgumentException)
        {
            throw new FormatException("The public key is not a valid " + suite.ToWireName() + " key.", e);
        }
    }
}

internal sealed record PrivateFederationKeyDocument(string? Suite, string? PrivateKey);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(PrivateFederationKeyDocument))]
internal sealed partial class FederationKeyJsonContext : JsonSerializerContext;
