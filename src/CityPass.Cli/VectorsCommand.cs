using System.CommandLine;
using System.Globalization;
using System.Numerics;
using System.Text;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;

namespace CityPass.Cli;

/// <summary>
/// Prints the v2 test vectors of docs/pass-token.md. Keys are new on every run (signatures are
/// randomised anyway), so run it only when the format changes; the tests check the document. The v1
/// vectors in the document are frozen: v1 is read during the transition, never issued again.
/// </summary>
internal static class VectorsCommand
{
    private static readonly DateTimeOffset IssuedAt = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset KeysActivate = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public static Command Create()
    {
        var command = new Command("vectors", "Print the v2 test vectors of docs/pass-token.md (new keys on every run).");
        command.SetAction(_ => Run());
        return command;
    }

    private static int Run()
    {
        var sb = new StringBuilder();
        var (es256, keys) = Vector(sb, "es256-green-v2", SignatureSuite.Es256, new IssuerId(310000), StatusColour.Green, 3,
            Credentials.HealthRecord | Credentials.EIdVerified, "00112233445566778899aabbccddeeff", "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
        Vector(sb, "sm2-yellow-v2", SignatureSuite.Sm2Sm3, new IssuerId(330100), StatusColour.Yellow, 7,
            Credentials.HealthRecord | Credentials.EIdVerified | Credentials.SocialSecurityCard, "ffeeddccbbaa99887766554433221100", "a5a5a5a55a5a5a5a0123456789abcdef");

        var other = IssuerKeySet.Generate(new IssuerId(320100), SignatureSuite.Es256, KeysActivate);
        var foreign = new PassIssuer(other, TimeProvider.System).Issue(
            new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, 1, Credentials.None), TokenId.NewRandom(), IssuedAt);
        var v1 = new PassIssuer(keys, TimeProvider.System).Issue(
            new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, 1, Credentials.None), TokenId.NewRandom(), IssuedAt, PassFormat.V1);
        var t = es256.Text;
        // Character 20 lies in the header (signed and sealed over), character 180 in the sealed facts (sealed over only).
        Invalid(sb, "v2-expired", t, "both", IssuedAt.AddSeconds(65), "expired");
        Invalid(sb, "v2-not-yet-valid", t, "both", IssuedAt.AddSeconds(-6), "not_yet_valid");
        Invalid(sb, "v2-header-changed-signature", Flip(t, 20), "signature", IssuedAt.AddSeconds(10), "signature_invalid");
        Invalid(sb, "v2-header-changed-mac", Flip(t, 20), "mac", IssuedAt.AddSeconds(10), "mac_invalid");
        Invalid(sb, "v2-sealed-changed-mac", Flip(t, 180), "mac", IssuedAt.AddSeconds(10), "mac_invalid");
        Invalid(sb, "v2-unsupported-version", "CP3:" + t[4..], "both", IssuedAt.AddSeconds(10), "unsupported_version");
        Invalid(sb, "v2-truncated", t[..^3], "both", IssuedAt.AddSeconds(10), "malformed");
        Invalid(sb, "v2-lower-case", t.ToLowerInvariant(), "both", IssuedAt.AddSeconds(10), "malformed");
        Invalid(sb, "v2-unknown-issuer", foreign.Text, "both", IssuedAt.AddSeconds(10), "unknown_issuer");
        Invalid(sb, "v1-after-the-window", v1.Text, "both", PassVerifierOptions.DefaultAcceptV1Until, "unsupported_version");
        var twin = HighSTwin(es256.Text);
        Invalid(sb, "v2-high-s-twin-mac", twin, "mac", IssuedAt.AddSeconds(10), "mac_invalid");
        sb.AppendLine("```signature-twin");
        sb.AppendLine("name: es256-green-v2-twin");
        sb.AppendLine("of: es256-green-v2");
        sb.AppendLine(CultureInfo.InvariantCulture, $"signature: {Convert.ToHexStringLower(Payload(twin).AsSpan(PassTokenV2.SignatureOffset, PassTokenFormat.SignatureLength))}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"token: {twin}");
        sb.AppendLine("```");
        Console.Write(sb.ToString());
        return 0;
    }

    private static (IssuedPass Pass, IssuerKeySet Keys) Vector(StringBuilder sb, string name, SignatureSuite suite, IssuerId issuerId, StatusColour colour, uint version,
        Credentials credentials, string tokenIdHex, string pseudonymHex)
    {
        var validity = new KeyValidity(KeysActivate);
        var keys = new IssuerKeySet(issuerId, [new SigningKeyEntry(1, validity, SigningKey.Generate(suite))], [IssuerSecret.Generate(1, validity)]);
        var tokenId = new TokenId(UInt128.Parse(tokenIdHex, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        if (!CitizenPseudonym.TryParse(pseudonymHex, out var pseudonym)) throw new ArgumentException("bad pseudonym", nameof(pseudonymHex));
        var citizen = new CitizenPassState(pseudonym, colour, version, credentials);
        var pass = new PassIssuer(keys, TimeProvider.System).Issue(citizen, tokenId, IssuedAt);
        var payload = Payload(pass.Text);
        var secret = keys.Secrets[0];
        var passKey = new byte[PassSeal.KeyLength];
        var nonce = new byte[PassSeal.NonceLength];
        PassSeal.DerivePassKey(secret.SealKey, tokenId, passKey, nonce);
        var facts = new byte[PassTokenV2.SealedLength];
        PassTokenV2.WriteFacts(facts, citizen);

        sb.AppendLine("```vector");
        sb.AppendLine(CultureInfo.InvariantCulture, $"name: {name}");
        sb.AppendLine("format: CP2");
        sb.AppendLine(CultureInfo.InvariantCulture, $"suite: {suite.ToWireName()}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"issuer: {issuerId}");
        sb.AppendLine("key-id: 1");
        sb.AppendLine("secret-id: 1");
        sb.AppendLine(CultureInfo.InvariantCulture, $"keys-activate: {KeysActivate:yyyy-MM-ddTHH:mm:ssZ}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"issued-at: {IssuedAt:yyyy-MM-ddTHH:mm:ssZ}");
        sb.AppendLine("lifetime: 60");
        sb.AppendLine(CultureInfo.InvariantCulture, $"colour: {colour.ToWireName()}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"status-version: {version}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"credentials: 0x{(ushort)credentials:x4}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"token-id: {tokenIdHex}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"pseudonym: {pseudonymHex}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"signing-key-pkcs8: {Convert.ToBase64String(keys.SigningKeys[0].Key.ExportPkcs8())}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"public-key-spki: {Convert.ToBase64String(keys.SigningKeys[0].Key.PublicKey.ExportSubjectPublicKeyInfo())}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"issuer-secret: {Convert.ToHexStringLower(secret.ExportSecret())}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"seal-key: {Convert.ToHexStringLower(secret.SealKey)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"pass-key: {Convert.ToHexStringLower(passKey)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"nonce: {Convert.ToHexStringLower(nonce)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"header: {Convert.ToHexStringLower(payload.AsSpan(0, PassTokenV2.HeaderLength))}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"signature: {Convert.ToHexStringLower(payload.AsSpan(PassTokenV2.SignatureOffset, PassTokenFormat.SignatureLength))}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"facts: {Convert.ToHexStringLower(facts)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"sealed: {Convert.ToHexStringLower(payload.AsSpan(PassTokenV2.SealedOffset, PassTokenV2.SealedLength))}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"tag: {Convert.ToHexStringLower(payload.AsSpan(PassTokenV2.TagOffset, PassTokenFormat.TagLength))}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"token: {pass.Text}");
        sb.AppendLine("```");
        sb.AppendLine();
        return (pass, keys);
    }

    private static string Flip(string text, int at) => text[..at] + (text[at] == '0' ? '1' : '0') + text[(at + 1)..];

    // ECDSA's (r, n − s) twin of a pass; the document explains why it is accepted by signature.
    private static string HighSTwin(string text)
    {
        var payload = Payload(text);
        var order = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var s = payload.AsSpan(PassTokenV2.SignatureOffset + 32, 32);
        var twin = order - new BigInteger(s, isUnsigned: true, isBigEndian: true);
        s.Clear();
        twin.TryWriteBytes(s[(32 - twin.GetByteCount(isUnsigned: true))..], out _, isUnsigned: true, isBigEndian: true);
        return PassTokenV2.Prefix + Base45.Encode(payload);
    }

    private static byte[] Payload(string text)
    {
        var payload = new byte[PassTokenFormat.PayloadLength];
        return Base45.TryDecode(text.AsSpan(PassTokenFormat.PrefixLength), payload, out _) ? payload : throw new ArgumentException("not a pass", nameof(text));
    }

    private static void Invalid(StringBuilder sb, string name, string token, string mode, DateTimeOffset verifyAt, string code)
    {
        sb.AppendLine("```invalid-vector");
        sb.AppendLine(CultureInfo.InvariantCulture, $"name: {name}");
        sb.AppendLine("keys: es256-green-v2");
        sb.AppendLine(CultureInfo.InvariantCulture, $"mode: {mode}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"verify-at: {verifyAt:yyyy-MM-ddTHH:mm:ssZ}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"expect: {code}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"token: {token}");
        sb.AppendLine("```");
        sb.AppendLine();
    }
}
