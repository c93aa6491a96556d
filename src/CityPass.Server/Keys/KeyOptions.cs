using CityPass.Core.Tokens;

namespace CityPass.Server.Keys;

/// <summary>
/// Where this city's keys come from (section "Keys"): an inline private key set (KeySetJson, e.g.
/// from a Kubernetes secret), or a key file. When neither exists and <see cref="GenerateIfMissing"/>
/// (true in Development and in the embedded default), a key set is generated once and kept in the file.
/// </summary>
public sealed class KeyOptions
{
    public string IssuerCode { get; set; } = "310000";

    public string Suite { get; set; } = "ES256";

    public string? KeySetJson { get; set; }

    public string KeyFile { get; set; } = ".data/issuer-keys.json";

    /// <summary>Base64 HMAC key (>= 32 bytes) that signs staff and citizen sign-in tokens; generated into a file when missing and allowed.</summary>
    public string? JwtSigningKey { get; set; }

    public string JwtKeyFile { get; set; } = ".data/jwt-signing.key";

    public bool GenerateIfMissing { get; set; }

    /// <summary>Public key sets (keys.json files) of other cities whose passes are accepted.</summary>
    public List<string> TrustedKeySetFiles { get; set; } = [];

    public IEnumerable<string> Validate()
    {
        if (!IssuerId.TryParse(IssuerCode, out _)) yield return $"Keys:IssuerCode '{IssuerCode}' is not a six-digit division code.";
        if (!SignatureSuiteExtensions.TryParseWireName(Suite, out _)) yield return $"Keys:Suite '{Suite}' is not ES256 or SM2.";
        if (JwtSigningKey is not null)
        {
            var ok = true;
            try
            {
                ok = Convert.FromBase64String(JwtSigningKey).Length >= 32;
            }
            catch (FormatException)
            {
                ok = false;
            }
            if (!ok) yield return "Keys:JwtSigningKey must be base64 of at least 32 bytes.";
        }
    }
}
