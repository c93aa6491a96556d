using System.Security.Cryptography;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Keys;

/// <summary>
/// The city's key material, loaded once at start-up: its issuer key set (signing keys + secrets),
/// the trust store (its own public keys and other cities'), and the sign-in token key. A missing or
/// bad key fails the boot, not the first scan.
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

        IssuerKeys = LoadIssuerKeys(o, issuer, suite, Path.Combine(root, o.KeyFile), clock, logger);
        if (IssuerKeys.Issuer != issuer)
        {
            throw new InvalidOperationException($"The key set is for issuer {IssuerKeys.Issuer} but Keys:IssuerCode is {issuer}.");
        }
        if (IssuerKeys.ActiveSigningKey(clock.GetUtcNow()) is null || IssuerKeys.ActiveSecret(clock.GetUtcNow()) is null)
        {
            throw new InvalidOperationException($"The key set of issuer {issuer} has no active signing key or secret: passes could not be issued.");
        }
        var foreign = o.TrustedKeySetFiles.Select(f => PublicKeySet.FromJson(File.ReadAllText(Path.Combine(root, f)))).ToList();
        Trust = new TrustStore(foreign.Where(k => k.Issuer != issuer).Append(IssuerKeys.PublicKeys));
        JwtKey = LoadJwtKey(o, Path.Combine(root, o.JwtKeyFile), logger);
        var others = foreign.Count(k => k.Issuer != issuer);
        var suiteName = suite.ToWireName();
        logger.LogInformation("Issuer {Issuer} keys loaded ({Suite}); trusting {Count} other cities", issuer, suiteName, others);
    }

    public IssuerKeySet IssuerKeys { get; }

    public TrustStore Trust { get; }

    public byte[] JwtKey { get; }

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

    private static byte[] LoadJwtKey(KeyOptions o, string file, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(o.JwtSigningKey)) return Convert.FromBase64String(o.JwtSigningKey);
        if (File.Exists(file)) return Convert.FromBase64String(File.ReadAllText(file).Trim());
        if (!o.GenerateIfMissing) throw new InvalidOperationException($"No sign-in token key: set Keys:JwtSigningKey or provide {file}.");
        var key = RandomNumberGenerator.GetBytes(32);
        WriteSecretFile(file, Convert.ToBase64String(key));
        logger.LogWarning("Generated a new sign-in token key in {File}", file);
        return key;
    }

    private static void WriteSecretFile(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
