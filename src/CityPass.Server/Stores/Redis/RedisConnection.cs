using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// How the process reaches its one Redis deployment. <see cref="ConnectionString"/> is
/// <c>ConnectionStrings:Redis</c> in StackExchange.Redis's own format (<c>host:port</c>; Sentinel with
/// <c>serviceName=</c>; a cluster is discovered; <c>ssl=true,sslHost=</c>; <c>user=,password=</c> for an ACL
/// user). The other two keys come from the <c>Redis</c> section because a configuration string cannot
/// carry them.
/// </summary>
public sealed class RedisConnectionOptions
{
    public const string Section = "Redis";

    /// <summary>
    /// Put in front of the configured string, so the string's own keys win. The scan path's budget:
    /// a gate waits milliseconds, not the library's 5 s; <c>abortConnect=false</c>: see <see cref="RedisConnection"/>.
    /// </summary>
    public const string Defaults = "abortConnect=false,asyncTimeout=250,syncTimeout=250";

    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// <c>Redis:TlsCertificateThumbprint</c>: pins the server's certificate by its SHA-256 fingerprint
    /// (hex; colons and spaces ignored; several separated by <c>,</c> to roll a certificate). When set,
    /// a certificate is accepted if and only if its fingerprint is listed: a self-signed certificate
    /// needs nothing else.
    /// </summary>
    public string? TlsCertificateThumbprint { get; set; }

    /// <summary><c>Redis:TlsCaCertificateFile</c>: a PEM file with the private CA that signed the server's certificate (its name must still match).</summary>
    public string? TlsCaCertificateFile { get; set; }

    /// <summary>
    /// Per call, for a connection off the gate's path (the silo's membership table): the library's own default. A
    /// stall of a second (an fsync, a failover, a starved CPU) then delays such a call instead of failing it.
    /// </summary>
    public const int OffThePathTimeoutMilliseconds = 5000;

    /// <summary>
    /// The library's options: <see cref="Defaults"/>, then the string, then what only code can set; with
    /// <paramref name="timeoutMilliseconds"/>, that timeout per call whatever the string says (a connection off the gate's path).
    /// </summary>
    public ConfigurationOptions ToConfiguration(int? timeoutMilliseconds = null)
    {
        var configuration = Parse();
        if (timeoutMilliseconds is { } timeout) configuration.AsyncTimeout = configuration.SyncTimeout = timeout;
        // Nothing waits in a backlog for a server that may not come back: a gate gets its answer (an
        // error) now, and a scan it has given up on is never run later behind its back.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        // Timeouts are checked on the heartbeat: beat at least twice per asyncTimeout so a late reply
        // fails within 1.5x the budget, not a second later.
        configuration.HeartbeatInterval = TimeSpan.FromMilliseconds(Math.Clamp(configuration.AsyncTimeout / 2, 50, 1000));
        // Back within a fraction of a second once Redis is: 100 ms, doubling to 2 s.
        configuration.ReconnectRetryPolicy = new ExponentialRetry(100, 2000);
        if (Fingerprints() is { Count: > 0 } pins)
        {
            configuration.CertificateValidation += (_, certificate, _, _) =>
                certificate is not null && pins.Contains(Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())));
        }
        else if (!string.IsNullOrWhiteSpace(TlsCaCertificateFile))
        {
            configuration.TrustIssuer(TlsCaCertificateFile);
        }
        return configuration;
    }

    /// <summary>Every problem with these options, worded for the operator; empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        try
        {
            if (Parse().EndPoints.Count == 0) errors.Add("ConnectionStrings:Redis names no server (host:port).");
        }
        catch (ArgumentException e)
        {
            // The library's message names the keyword, never the password.
            errors.Add($"ConnectionStrings:Redis is not a valid StackExchange.Redis configuration string: {e.Message}");
        }
        if (Fingerprints() is { } pins && pins.Any(p => p.Length != 64 || !p.All(char.IsAsciiHexDigit)))
            errors.Add("Redis:TlsCertificateThumbprint must be SHA-256 fingerprints: 64 hex digits each, separated by ','.");
        if (!string.IsNullOrWhiteSpace(TlsCaCertificateFile) && !File.Exists(TlsCaCertificateFile))
            errors.Add($"Redis:TlsCaCertificateFile '{TlsCaCertificateFile}' does not exist.");
        return errors;
    }

    private ConfigurationOptions Parse() => ConfigurationOptions.Parse(Defaults + "," + ConnectionString);

    private HashSet<string>? Fingerprints() =>
        string.IsNullOrWhiteSpace(TlsCertificateThumbprint)
            ? null
            : TlsCertificateThumbprint.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => p.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant())
                .ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// The process's one <see cref="IConnectionMultiplexer"/>, connected when the host starts. It connects
/// with <c>abortConnect=false</c>: a server that starts while Redis is briefly away (a rolling
/// restart, a failover) still starts, reports not ready on <c>/health/ready</c>, fails scans fast, and
/// is back by itself within a second of Redis; a Redis that is away at boot is an outage to recover
/// from, not a reason to crash-loop. A malformed string is different: it fails the boot (ValidateOnStart).
/// </summary>
public sealed class RedisConnection(IOptions<RedisConnectionOptions> options, ILogger<RedisConnection> logger) : IHostedService, IAsyncDisposable
{
    private ConnectionMultiplexer? _multiplexer;

    public IConnectionMultiplexer Multiplexer =>
        _multiplexer ?? throw new InvalidOperationException("Redis is connected when the host starts; resolve IConnectionMultiplexer after start-up.");

    /// <summary>Connects as the server does (its defaults, its certificate checks); also what the tests use.</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(RedisConnectionOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ConnectAsync(options.ToConfiguration(), scripts: true, logger);
    }

    /// <summary>
    /// A connection for work off the gate's path (the silo's membership table): <see cref="RedisConnectionOptions.OffThePathTimeoutMilliseconds"/>
    /// per call in place of the gate's budget, failovers followed as the scans' connection follows them, no scripts.
    /// </summary>
    public static Task<ConnectionMultiplexer> ConnectOffThePathAsync(RedisConnectionOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ConnectAsync(options.ToConfiguration(RedisConnectionOptions.OffThePathTimeoutMilliseconds), scripts: false, logger);
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions configuration, bool scripts, ILogger? logger)
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration);
        // The failure type and end point only: an exception's text can quote the configuration.
        multiplexer.ConnectionFailed += (_, e) =>
            logger?.LogWarning("Redis connection to {EndPoint} ({Kind}) failed: {Failure}.", e.EndPoint, e.ConnectionType, e.FailureType);
        multiplexer.ConnectionRestored += (_, e) =>
        {
            logger?.LogInformation("Redis connection to {EndPoint} ({Kind}) restored.", e.EndPoint, e.ConnectionType);
            // A restarted server, or a replica promoted by a failover, may not have our scripts.
            if (scripts && e.ConnectionType == ConnectionType.Interactive) _ = LoadScriptsAsync(multiplexer.GetServer(e.EndPoint), logger);
        };
        FollowDemotions(multiplexer, logger);
        if (scripts)
        {
            foreach (var server in multiplexer.GetServers())
                if (server.IsConnected) await LoadScriptsAsync(server, logger);
        }
        if (scripts && !multiplexer.IsConnected) logger?.LogWarning("Redis is not reachable yet; retrying in the background, scans fail until it is.");
        return multiplexer;
    }

    /// <summary>
    /// A primary demoted by a failover keeps its connections and answers every write READONLY; the client learns the new
    /// roles only when it next re-reads them on its own (Sentinel's switch message can be missed, and the periodic
    /// check came 30 to over 90 seconds late in CI), and until then every scan is a 503. The first READONLY makes it
    /// re-read them at once, at most once a second. READONLY is the reply's error code (its first word), not free text.
    /// </summary>
    private static void FollowDemotions(ConnectionMultiplexer multiplexer, ILogger? logger)
    {
        long lastAsked = 0;
        multiplexer.ErrorMessage += (_, e) =>
        {
            if (!e.Message.StartsWith("READONLY", StringComparison.Ordinal)) return;
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref lastAsked);
            if (now - last < 1000 || Interlocked.CompareExchange(ref lastAsked, now, last) != last) return;
            logger?.LogWarning("Redis at {EndPoint} refused a write as a replica: re-reading the roles (a failover).", e.EndPoint);
            _ = ReconfigureAsync(multiplexer, logger);
        };
    }

    private static async Task ReconfigureAsync(ConnectionMultiplexer multiplexer, ILogger? logger)
    {
        try
        {
            await multiplexer.ConfigureAsync();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger?.LogWarning("Re-reading the Redis roles failed ({Error}); the client's own check will.", e.GetType().Name);
        }
    }

    private static async Task LoadScriptsAsync(IServer server, ILogger? logger)
    {
        try
        {
            await RedisScript.LoadAllAsync(server);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Not needed for correctness: a script missing on a server is loaded by its first call there.
            logger?.LogWarning("Could not preload the scripts on {EndPoint} ({Error}).", server.EndPoint, e.GetType().Name);
        }
    }

    public static Task<ConnectionMultiplexer> ConnectAsync(string connectionString) =>
        ConnectAsync(new RedisConnectionOptions { ConnectionString = connectionString });

    public async Task StartAsync(CancellationToken cancellationToken) => _multiplexer ??= await ConnectAsync(options.Value, logger);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is not null) await _multiplexer.DisposeAsync();
    }

    internal sealed class Validator : IValidateOptions<RedisConnectionOptions>
    {
        public ValidateOptionsResult Validate(string? name, RedisConnectionOptions options)
        {
            var errors = options.Validate();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
