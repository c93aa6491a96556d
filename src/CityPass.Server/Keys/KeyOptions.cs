using CityPass.Core.Keys;

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

    /// <summary>
    /// Base64 of at least 32 random bytes: the master secret from which the server derives its
    /// symmetric keys, one per purpose (sign-in tokens, one-time code hashes; see <see cref="KeyMaterial"/>).
    /// Generated into <see cref="ServerSecretFile"/> when missing and allowed.
    /// </summary>
    public string? ServerSecret { get; set; }

    public string ServerSecretFile { get; set; } = ".data/server-secret.key";

    public bool GenerateIfMissing { get; set; }

    /// <summary>
    /// How far ahead a key made in the console takes over by default: long enough for offline gates (their bundle) and
    /// other cities (their refresh) to learn it before the first pass carries it.
    /// </summary>
    public TimeSpan ActivationLead { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often a server polls the store for a key set changed on another server.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Public key sets (keys.json files) of other cities whose passes are accepted.</summary>
    public List<string> TrustedKeySetFiles { get; set; } = [];

    public IEnumerable<string> Validate()
    {
        if (!IssuerId.TryParse(IssuerCode, out _)) yield return $"Keys:IssuerCode '{IssuerCode}' is not a six-digit division code.";
        if (!SignatureSuiteExtensions.TryParseWireName(Suite, out _)) yield return $"Keys:Suite '{Suite}' is not ES256 or SM2.";
        if (ServerSecret is not null && !IsServerSecret(ServerSecret)) yield return "Keys:ServerSecret must be base64 of at least 32 bytes.";
        if (ActivationLead < TimeSpan.Zero || ActivationLead > TimeSpan.FromDays(30)) yield return "Keys:ActivationLead is between 0 and 30 days.";
        if (RefreshInterval < TimeSpan.FromMilliseconds(100) || RefreshInterval > TimeSpan.FromMinutes(10)) yield return "Keys:RefreshInterval is between 100 ms and 10 minutes.";
    }

    public static bool IsServerSecret(string base64)
    {
        try
        {
            return Convert.FromBase64String(base64.Trim()).Length >= KeyMaterial.MinServerSecretBytes;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
