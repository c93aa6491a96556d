using System.Text.Json;
using System.Text.Json.Serialization;

namespace CityPass.Core.Keys;

/// <summary>
/// The JSON forms of key sets. Public: what /.well-known/citypass/keys.json serves and other
/// cities import. Private: the issuer's key file, which adds the private keys and secrets.
/// </summary>
internal static class KeySetJson
{
    public static string Write(PublicKeySet set) => JsonSerializer.Serialize(ToDocument(set), KeySetJsonContext.Default.PublicKeySetDocument);

    public static PublicKeySet ReadPublic(string json)
    {
        var doc = Deserialize(json, KeySetJsonContext.Default.PublicKeySetDocument);
        return FromDocuments(doc.Issuer, doc.Keys);
    }

    /// <summary>The keys of a public set as documents: keys.json's <c>keys</c>, and the signed key-set document's.</summary>
    public static List<PublicKeyDocument> ToDocuments(PublicKeySet set) => set.Keys.Select(k => new PublicKeyDocument(
        k.Id, k.Key.Suite.ToWireName(), Convert.ToBase64String(k.Key.ExportSubjectPublicKeyInfo()),
        k.Validity.ActivatesAt, k.Validity.RetiresAt, k.Validity.Revoked)).ToList();

    /// <summary>A public set from an issuer code and key documents; <see cref="FormatException"/> for anything that does not parse.</summary>
    public static PublicKeySet FromDocuments(string? issuer, List<PublicKeyDocument>? keys) =>
        new(ParseIssuer(issuer), (keys ?? []).Select(k => new PublicKeyEntry(
            k.Kid,
            ToValidity(k.ActivatesAt, k.RetiresAt, k.Revoked),
            ImportKey(k.Kid, () => VerificationKey.Import(ParseSuite(k.Suite), Base64(k.PublicKey, "publicKey"))))));

    public static string WritePrivate(IssuerKeySet set)
    {
        var doc = new PrivateKeySetDocument(
            set.Issuer.ToString(),
            set.SigningKeys.Select(k => new PrivateKeyDocument(
                k.Id, k.Key.Suite.ToWireName(), Convert.ToBase64String(k.Key.ExportPkcs8()),
                k.Validity.ActivatesAt, k.Validity.RetiresAt, k.Validity.Revoked)).ToList(),
            set.Secrets.Select(s => new SecretDocument(
                s.Id, Convert.ToBase64String(s.ExportSecret()),
                s.Validity.ActivatesAt, s.Validity.RetiresAt, s.Validity.Revoked)).ToList());
        return JsonSerializer.Serialize(doc, KeySetJsonContext.Default.PrivateKeySetDocument);
    }

    public static IssuerKeySet ReadPrivate(string json)
    {
        var doc = Deserialize(json, KeySetJsonContext.Default.PrivateKeySetDocument);
        return new IssuerKeySet(
            ParseIssuer(doc.Issuer),
            (doc.SigningKeys ?? []).Select(k => new SigningKeyEntry(
                k.Kid,
                ToValidity(k.ActivatesAt, k.RetiresAt, k.Revoked),
                ImportKey(k.Kid, () => SigningKey.Import(ParseSuite(k.Suite), Base64(k.PrivateKey, "privateKey"))))),
            (doc.Secrets ?? []).Select(s => new IssuerSecret(
                s.Id,
                ToValidity(s.ActivatesAt, s.RetiresAt, s.Revoked),
                Base64(s.Secret, "secret"))));
    }

    private static PublicKeySetDocument ToDocument(PublicKeySet set) => new(set.Issuer.ToString(), ToDocuments(set));

    private static T Deserialize<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new FormatException("The key set is empty.");
        }
        catch (JsonException e)
        {
            throw new FormatException("The key set is not valid JSON: " + e.Message, e);
        }
    }

    // Key material that does not parse, or sits on the wrong curve, is a bad file like any other.
    private static T ImportKey<T>(ushort kid, Func<T> import)
    {
        try
        {
            return import();
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or System.Formats.Asn1.AsnContentException or ArgumentException or IOException or InvalidCastException)
        {
            throw new FormatException($"Key {kid} is not a valid key of its suite: {e.Message}", e);
        }
    }

    private static KeyValidity ToValidity(DateTimeOffset? activatesAt, DateTimeOffset? retiresAt, bool revoked) =>
        new(activatesAt ?? throw new FormatException("Every key needs activatesAt."), retiresAt, revoked);

    private static IssuerId ParseIssuer(string? text) =>
        IssuerId.TryParse(text, out var issuer) ? issuer : throw new FormatException("issuer must be a six-digit division code.");

    private static SignatureSuite ParseSuite(string? text) =>
        SignatureSuiteExtensions.TryParseWireName(text, out var suite) ? suite : throw new FormatException($"Unknown signature suite '{text}'.");

    private static byte[] Base64(string? text, string field)
    {
        try
        {
            return Convert.FromBase64String(text ?? throw new FormatException($"{field} is missing."));
        }
        catch (FormatException e) when (text is not null)
        {
            throw new FormatException($"{field} is not base64.", e);
        }
    }
}

internal sealed record PublicKeySetDocument(string? Issuer, List<PublicKeyDocument>? Keys);

internal sealed record PublicKeyDocument(ushort Kid, string? Suite, string? PublicKey, DateTimeOffset? ActivatesAt, DateTimeOffset? RetiresAt, bool Revoked);

internal sealed record PrivateKeySetDocument(string? Issuer, List<PrivateKeyDocument>? SigningKeys, List<SecretDocument>? Secrets);

internal sealed record PrivateKeyDocument(ushort Kid, string? Suite, string? PrivateKey, DateTimeOffset? ActivatesAt, DateTimeOffset? RetiresAt, bool Revoked);

internal sealed record SecretDocument(byte Id, string? Secret, DateTimeOffset? ActivatesAt, DateTimeOffset? RetiresAt, bool Revoked);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(PublicKeySetDocument))]
[JsonSerializable(typeof(PrivateKeySetDocument))]
internal sealed partial class KeySetJsonContext : JsonSerializerContext;
