using CityPass.Core.Federation;
using CityPass.Core.Keys;
using CityPass.Server.Keys;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Federation;

/// <summary>A signed document as published: its text, its window, and the key set it was signed over.</summary>
public sealed record PublishedKeySet(string Text, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, PublicKeySet Keys);

/// <summary>
/// This city's key set as other cities fetch it: signed with the federation key, valid for
/// <see cref="FederationOptions.DocumentLifetime"/>, signed again once older than <see cref="FederationOptions.ResignAfter"/>
/// or as soon as the key set changes (a key created, retired or revoked is published at the next request).
/// Without a federation key (none configured where one may not be generated) nothing is published, and the boot says so.
/// </summary>
public sealed class KeySetPublisher
{
    private readonly IIssuerKeySource _keys;
    private readonly FederationOptions _options;
    private readonly TimeProvider _clock;
    private readonly Lock _signing = new();
    private PublishedKeySet? _current;

    public KeySetPublisher(IIssuerKeySource keys, KeyMaterial material, IOptions<FederationOptions> options, IHostEnvironment environment, TimeProvider clock, ILogger<KeySetPublisher> logger)
    {
        _keys = keys;
        _options = options.Value;
        _clock = clock;
        FederationKey = Load(_options, Path.Combine(environment.ContentRootPath, _options.KeyFile), material.Suite, logger);
        if (FederationKey is null)
        {
            logger.LogWarning("No federation key (Federation:KeyJson or {File}): this city's signed key set is not published, and no other city can trust it", _options.KeyFile);
        }
    }

    public FederationKey? FederationKey { get; }

    /// <summary>The document to serve now, or null without a federation key.</summary>
    public PublishedKeySet? Current()
    {
        if (FederationKey is null) return null;
        var now = _clock.GetUtcNow();
        var keys = _keys.Current.PublicKeys;
        var current = Volatile.Read(ref _current);
        if (IsCurrent(current, keys, now)) return current!;
        lock (_signing)
        {
            if (IsCurrent(_current, keys, now)) return _current!;
            // Whole seconds: the document says what a verifier compares, and JSON keeps no more precision than that here.
            var issuedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
            var expiresAt = issuedAt + _options.DocumentLifetime;
            var published = new PublishedKeySet(SignedKeySet.Sign(keys, issuedAt, expiresAt, FederationKey.Key), issuedAt, expiresAt, keys);
            Volatile.Write(ref _current, published);
            return published;
        }
    }

    private bool IsCurrent(PublishedKeySet? published, PublicKeySet keys, DateTimeOffset now) =>
        published is not null && ReferenceEquals(published.Keys, keys) && now - published.IssuedAt < _options.ResignAfter;

    private static FederationKey? Load(FederationOptions o, string file, Core.Keys.SignatureSuite suite, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(o.KeyJson)) return FederationKey.FromPrivateJson(o.KeyJson);
        if (File.Exists(file)) return FederationKey.FromPrivateJson(File.ReadAllText(file));
        if (!o.GenerateIfMissing) return null;
        var key = FederationKey.Generate(suite);
        KeyMaterial.WriteSecretFile(file, key.ToPrivateJson());
        logger.LogWarning("Generated a new federation key in {File}: fine for development, never for production", file);
        return key;
    }
}
