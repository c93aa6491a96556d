using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace CityPass.Server.Auth;

/// <summary>
/// A gate's device credential: <c>cpg_&lt;gate id, 32 hex&gt;_&lt;secret, 43 base64url&gt;</c>. It names its
/// gate so the check is one in-memory lookup and one SHA-256; the secret is 256 random bits, so
/// storing its SHA-256 is enough (no slow hash needed), and the comparison is constant-time.
/// </summary>
public static class GateCredentials
{
    private const string Prefix = "cpg_";
    public const int MaxLength = 128;

    public static (string Credential, byte[] SecretHash) Create(Guid gateId)
    {
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return ($"{Prefix}{gateId:N}_{secret}", Hash(secret));
    }

    /// <summary>Splits a presented credential; false for anything not of the shape.</summary>
    public static bool TryParse(string? text, out Guid gateId, out string secret)
    {
        gateId = Guid.Empty;
        secret = "";
        if (text is null || text.Length > MaxLength || !text.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var rest = text.AsSpan(Prefix.Length);
        if (rest.Length != 32 + 1 + 43 || rest[32] != '_' || !Guid.TryParseExact(rest[..32], "N", out gateId)) return false;
        secret = rest[33..].ToString();
        return true;
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));

    public static bool Matches(string secret, byte[] storedHash) => CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);
}
