using System.Security.Cryptography;
using CityPass.Core.Keys;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Keys;

/// <summary>
/// The city's key material as configuration supplies it, loaded once at start-up: its issuer key set (signing keys +
/// secrets) as configured, the key sets of other cities pinned in configuration, and the symmetric keys derived from
/// the server secret. A missing or bad key fails the boot, not the first scan. The issuer key set in use is
/// <see cref="IssuerKeyRing.Current"/>: the configured set seeds it, staff change it at run time.
/// </summary>
public sealed class KeyMaterial
{
    public KeyMaterial(IOptions<KeyOptions> options, IHostEnvironment environment, TimeProvider clock, ILogger<KeyMaterial> logger)
    {
        var o = options.Value;
        if (!IssuerId.TryParse(o.IssuerCode, out var issuer) || !SignatureSuiteExtensions.TryParseWireName(o.Suite, out var suite))
        {
            throw new InvalidOperationException(string.Join(" ", o.Validate()));
        }
        var root = environment.ContentRootPath;

        Issuer = issuer;
        Suite = suite;
        KeyFile = string.IsNullOrWhiteSpace(o.KeySetJson) ? Path.Combine(root, o.KeyFile) : null;
        ConfiguredIssuerKeys = LoadIssuerKeys(o, issuer, suite, Path.Combine(root, o.KeyFile), clock, logger);
        if (ConfiguredIssuerKeys.Issuer != issuer)
        {
            throw new InvalidOperationException($"The key set is for issuer {ConfiguredIssuerKeys.Issuer} but Keys:IssuerCode is {issuer}.");
        }
        PinnedKeySets = o.TrustedKeySetFiles.Select(f => PublicKeySet.FromJson(File.ReadAllText(Path.Combine(root, f)))).Where(k => k.Issuer != issuer).ToList();
        var secret = LoadServerSecret(o, Path.Combine(root, o.ServerSecretFile), logger);
        JwtKey = DeriveKey(secret, JwtPurpose);
        OtpKey = DeriveKey(secret, OtpPurpose);
        KeySetSealKey = DeriveKey(secret, KeySetSealPurpose);
        MemberIdKey = DeriveKey(secret, MemberIdPurpose);
        CryptographicOperations.ZeroMemory(secret);
        var suiteName = suite.ToWireName();
        logger.LogInformation("Issuer {Issuer} keys loaded ({Suite}); trusting {Count} other cities by configuration", issuer, suiteName, PinnedKeySets.Count);
    }

    public IssuerId Issuer { get; }

    /// <summary>The suite new keys are made in (Keys:Suite).</summary>
    public SignatureSuite Suite { get; }

    /// <summary>
    /// The issuer key set configuration supplies (Keys:KeySetJson or the key file). It seeds the managed set; passes are
    /// issued and checked with <see cref="IssuerKeyRing.Current"/>, never with this.
    /// </summary>
    public IssuerKeySet ConfiguredIssuerKeys { get; }

    /// <summary>The key file the configured set came from, kept up to date with every change; null when it came from Keys:KeySetJson.</summary>
    public string? KeyFile { get; }

    /// <summary>Other cities' public key sets pinned in configuration (Keys:TrustedKeySetFiles).</summary>
    public IReadOnlyList<PublicKeySet> PinnedKeySets { get; }

    public const int MinServerSecretBytes = 32;

    /// <summary>HKDF info labels: one key per purpose, so a key that leaks or is misused in one place says nothing about the others.</summary>
    public const string JwtPurpose = "citypass/jwt/v1";

    public const string OtpPurpose = "citypass/otp/v1";

    public const string KeySetSealPurpose = "citypass/keyset-seal/v1";

    public const string MemberIdPurpose = "citypass/member-id/v1";

    /// <summary>HMAC-SHA256 key that signs staff and citizen sign-in tokens.</summary>
    public byte[] JwtKey { get; }

    /// <summary>HMAC-SHA256 key of one-time code hashes in the hot store.</summary>
    public byte[] OtpKey { get; }

    /// <summary>AES-256-GCM key that seals the managed issuer key set at rest (<see cref="KeySetSeal"/>).</summary>
    public byte[] KeySetSealKey { get; }

    /// <summary>
    /// HMAC-SHA256 key of venues' member ids (<see cref="Core.Identify.MemberIds"/>). Replacing the server secret changes
    /// every member id: venues would see all their members as new (docs/security.md).
    /// </summary>
    public byte[] MemberIdKey { get; }

    /// <summary>A 32-byte key for one purpose, HKDF-SHA256 from the server secret (the secret is already uniformly random, so no salt).</summary>
    public static byte[] DeriveKey(byte[] serverSecret, string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, serverSecret, 32, salt: [], info: System.Text.Encoding.UTF8.GetBytes(purpose));

    private static IssuerKeySet LoadIssuerKeys(KeyOptions o, IssuerId issuer, SignatureSuite suite, string file, TimeProvider clock, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(o.KeySetJson)) return IssuerKeySet.FromPrivateJson(o.KeySetJson);
        if (File.Exists(file)) return IssuerKeySet.FromPrivateJson(File.ReadAllText(file));
        if (!o.GenerateIfMissing)
        {
            throw new InvalidOperationException($"No issuer key set: set Keys:KeySetJson or provide {file} (citypass keys new > file).");
        }
        var keys = IssuerKeySet.Generate(issuer, suite, clock.GetUtcNow().AddMinutes(-1));
        WriteSecretFile(file, keys.ToPrivateJson());
        logger.LogWarning("Generated a new issuer key set in {File}: fine for development, never for production", file);
        return keys;
    }

    private static byte[] LoadServerSecret(KeyOptions o, string file, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(o.ServerSecret)) return Convert.FromBase64String(o.ServerSecret.Trim());
        if (File.Exists(file))
        {
            var text = File.ReadAllText(file).Trim();
            if (!KeyOptions.IsServerSecret(text)) throw new InvalidOperationException($"{file} is not base64 of at least {MinServerSecretBytes} bytes.");
            return Convert.FromBase64String(text);
        }
        if (!o.GenerateIfMissing)
        {
            throw new InvalidOperationException($"No server secret: set Keys:ServerSecret (base64 of at least {MinServerSecretBytes} random bytes) or provide {file}.");
        }
        var secret = RandomNumberGenerator.GetBytes(MinServerSecretBytes);
        WriteSecretFile(file, Convert.ToBase64String(secret));
        logger.LogWarning("Generated a new server secret in {File}", file);
        return secret;
    }

    /// <summary>Writes a key file readable by this user only.</summary>
    internal static void WriteSecretFile(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
