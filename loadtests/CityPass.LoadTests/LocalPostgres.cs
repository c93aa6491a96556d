using System.Globalization;
using Npgsql;

namespace CityPass.LoadTests;

/// <summary>
/// A PostgreSQL 15 cluster of the runner's own on a free loopback port, with PostgreSQL's default
/// durability (fsync and synchronous commit on, unlike the test fixtures): the archive is measured as
/// production would run it. PostgreSQL refuses to run as root, so as root it runs as the postgres user.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private readonly string _directory;

    private readonly IReadOnlyDictionary<string, string> _settings;

    private LocalPostgres(string directory, int port, IReadOnlyDictionary<string, string> settings)
    {
        _directory = directory;
        Port = port;
        _settings = settings;
    }

    // Later settings win: an experiment's (--pg-set) over these.
    private string ServerOptions => string.Create(CultureInfo.InvariantCulture,
        $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=512MB")
        + string.Concat(_settings.Select(kv => $" -c {kv.Key}={kv.Value}"));

    public int Port { get; }

    public string ConnectionString(string database = "citypass") =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "citypass", Database = database }.ConnectionString;

    /// <summary>The postmaster's pid; its children are the backends.</summary>
    public int PostmasterPid => int.Parse(File.ReadLines(Path.Combine(_directory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);

    private static bool IsRoot => Environment.UserName == "root";

    private static Task<string> AsPostgresAsync(string tool, params string[] args) =>
        IsRoot
            ? Processes.CheckedAsync("runuser", ["-u", "postgres", "--", $"{Bin}/{tool}", .. args], TimeSpan.FromMinutes(2))
            : Processes.CheckedAsync($"{Bin}/{tool}", args, TimeSpan.FromMinutes(2));

    /// <param name="settings">PostgreSQL settings for an experiment (--pg-set autovacuum_vacuum_cost_limit=50).</param>
    public static async Task<LocalPostgres> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        // Under /tmp rather than the work tree: the postgres user must be able to reach it.
        var directory = Path.Combine(Path.GetTempPath(), "citypass-load-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(directory);
        if (IsRoot) await Processes.CheckedAsync("chown", ["postgres:postgres", directory], TimeSpan.FromSeconds(10));
        await AsPostgresAsync("initdb", "-D", directory, "-A", "trust", "-U", "citypass", "-E", "UTF8", "--locale=C.UTF-8");
        var port = Processes.FreeLoopbackPort();
        var pg = new LocalPostgres(directory, port, settings ?? new Dictionary<string, string>());
        await pg.StartServerAsync();
        await using (var c = new NpgsqlConnection(pg.ConnectionString("postgres")))
        {
            await c.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE citypass", c);
            await create.ExecuteNonQueryAsync();
        }
        return pg;
    }

    private async Task StartServerAsync() => await AsPostgresAsync("pg_ctl", "-D", _directory, "-o", ServerOptions, "-l", Path.Combine(_directory, "server.log"), "-w", "start");

    /// <summary>
    /// <c>pg_ctl stop -m fast</c>: open sessions are ended and the server shuts down cleanly, as an operator's
    /// restart or a managed database's maintenance would; returns once it has stopped.
    /// </summary>
    public async Task StopAsync() => await AsPostgresAsync("pg_ctl", "-D", _directory, "-m", "fast", "-w", "stop");

    /// <summary>Starts it again after <see cref="StopAsync"/>, on the same port and data; returns once it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        await StartServerAsync();
        // The runner's own pooled connections died with the server; the next check must not pick one up.
        NpgsqlConnection.ClearAllPools();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await AsPostgresAsync("pg_ctl", "-D", _directory, "-m", "fast", "stop");
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
