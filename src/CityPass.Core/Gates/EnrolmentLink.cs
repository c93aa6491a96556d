using System.Diagnostics.CodeAnalysis;

namespace CityPass.Core.Gates;

/// <summary>
/// What the console shows (as text and as a QR) when it issues a gate's credential, and all a gate needs to enrol:
/// <c>https://city.example/gate/#credential=cpg_…&amp;federation=&lt;64 hex&gt;</c>. The server is the link's origin; the
/// credential names the gate; the federation key's fingerprint is what the gate pins, so a bundle signed by any other
/// key (a server in between, a DNS hijack) is refused from the first fetch on. Both ride in the fragment, which no
/// browser or proxy sends to a server, so the secret stays out of access logs. The browser gate at <c>/gate/</c> opens
/// the same link and reads the credential alone.
/// </summary>
public sealed record EnrolmentLink(Uri Server, string Credential, string? FederationFingerprint)
{
    /// <summary>Longer than any link the console makes (origin, a 79-character credential, 64 hex).</summary>
    public const int MaxLength = 1024;

    private const string CredentialPrefix = "cpg_";

    /// <summary>The gate the credential names (its first 32 hex after <c>cpg_</c>).</summary>
    public Guid GateId => Guid.ParseExact(Credential.AsSpan(CredentialPrefix.Length, 32), "N");

    public override string ToString()
    {
        var link = $"{Server.GetLeftPart(UriPartial.Authority)}/gate/#credential={Uri.EscapeDataString(Credential)}";
        return FederationFingerprint is null ? link : link + "&federation=" + FederationFingerprint;
    }

    /// <summary>Reads a link as the console writes it; false for anything else (never throws).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out EnrolmentLink? link)
    {
        link = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength) return false;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Fragment.Length < 2) return false;
        string? credential = null, fingerprint = null;
        foreach (var part in uri.Fragment[1..].Split('&'))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) continue;
            var value = Uri.UnescapeDataString(part[(eq + 1)..]);
            switch (part[..eq])
            {
                case "credential": credential = value; break;
                case "federation": fingerprint = value.ToLowerInvariant(); break;
            }
        }
        if (credential is null || !IsCredentialShaped(credential)) return false;
        if (fingerprint is not null && (fingerprint.Length != 64 || !fingerprint.All(char.IsAsciiHexDigitLower))) return false;
        link = new EnrolmentLink(new Uri(uri.GetLeftPart(UriPartial.Authority)), credential, fingerprint);
        return true;
    }

    // cpg_<32 hex gate id>_<43 base64url secret>: the shape the server issues (the server alone checks the secret).
    private static bool IsCredentialShaped(string c) =>
        c.Length == CredentialPrefix.Length + 32 + 1 + 43
        && c.StartsWith(CredentialPrefix, StringComparison.Ordinal)
        && Guid.TryParseExact(c.AsSpan(CredentialPrefix.Length, 32), "N", out _)
        && c[CredentialPrefix.Length + 32] == '_'
        && c.AsSpan(CredentialPrefix.Length + 33).ContainsAnyExcept(Base64UrlAlphabet) is false;

    private static readonly System.Buffers.SearchValues<char> Base64UrlAlphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
}
