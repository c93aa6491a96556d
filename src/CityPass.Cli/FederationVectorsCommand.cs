using System.CommandLine;
using System.Globalization;
using System.Text;
using CityPass.Core.Federation;
using CityPass.Core.Keys;

namespace CityPass.Cli;

/// <summary>
/// Prints the test vectors of docs/federation.md: a signed key-set document per suite with the federation public key
/// that verifies it. Keys are new on every run, so run it only when the format changes; the tests check the document.
/// </summary>
internal static class FederationVectorsCommand
{
    private static readonly DateTimeOffset IssuedAt = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset KeysActivate = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public static Command Create()
    {
        var command = new Command("federation-vectors", "Print the test vectors of docs/federation.md (new keys on every run).");
        command.SetAction(_ => Run());
        return command;
    }

    private static int Run()
    {
        var sb = new StringBuilder();
        Vector(sb, "es256-with-revoked-key", SignatureSuite.Es256, new IssuerId(440100));
        Vector(sb, "sm2", SignatureSuite.Sm2Sm3, new IssuerId(330100));
        Console.Write(sb.ToString());
        return 0;
    }

    private static void Vector(StringBuilder sb, string name, SignatureSuite suite, IssuerId issuer)
    {
        // Two pass keys, the first revoked: the document carries revocations, not only the keys in use.
        var keys = IssuerKeySet.Generate(issuer, suite, KeysActivate).Rotate(suite, KeysActivate.AddDays(10)).RevokeSigningKey(1);
        var federation = FederationKey.Generate(suite);
        var document = SignedKeySet.Sign(keys.PublicKeys, IssuedAt, IssuedAt.AddDays(1), federation.Key);
        sb.AppendLine("```keyset-vector");
        sb.AppendLine(CultureInfo.InvariantCulture, $"name: {name}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"suite: {suite.ToWireName()}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"issuer: {issuer}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"federation-public-key: {Convert.ToBase64String(federation.PublicKey.ExportSubjectPublicKeyInfo())}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"fingerprint: {federation.Fingerprint}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"issued-at: {IssuedAt:yyyy-MM-ddTHH:mm:ssZ}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"expires-at: {IssuedAt.AddDays(1):yyyy-MM-ddTHH:mm:ssZ}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"keys: {string.Join(", ", keys.PublicKeys.Keys.Select(k => k.Id + (k.Validity.Revoked ? " revoked" : "")))}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"document: {document.ReplaceLineEndings("")}");
        sb.AppendLine("```");
    }
}
