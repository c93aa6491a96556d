using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace CityPass.Testing;

/// <summary>
/// A throwaway PostgreSQL 15 cluster on a free loopback port in a temp dir, tuned for tests (no
/// fsync). PostgreSQL refuses to run as root, so the cluster belongs to the postgres user. Stopped
/// (immediately) and deleted on dispose.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private const string User = "citypass";

    private static readonly Lazy<Task<PostgresServer>> SharedServer = new(StartSharedAsync);
    private int _databases;

    private PostgresServer(string directory, int port)
    {
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    /// <summary>One cluster for the whole test run, started on first use and stopped when the process exits.</summary>
    public static Task<PostgresServer> Shared => SharedServer.Value;

    public static async Task<PostgresServer> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "citypass-pg-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        await RunAsync("chown", "postgres:postgres", directory);
        await RunAsync("runuser", "-u", "postgres", "--", $"{Bin}/initdb", "-D", directory, "-A", "trust", "-U", User, "-E", "UTF8", "--locale=C.UTF-8");

        // A port can be taken between probing and binding: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var server = new PostgresServer(directory, LoopbackPorts.Free());
            try
            {
                await server.StartProcessAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = User, Database = database, Pooling = true }.ConnectionString;

    /// <summary>A fresh, empty database on this cluster; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? prefix = null)
    {
        var name = $"{prefix ?? "test"}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..8]}".ToLowerInvariant();
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>
    /// Drops a database made by <see cref="CreateDatabaseAsync"/> once its user is gone, with any connection still open
    /// to it. A test run makes hundreds: kept, they fill the disk with gigabytes of files and WAL, and every autovacuum
    /// round visits each of them, to the end of the run.
    /// </summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Port != Port) throw new ArgumentException("The database is not on this cluster.", nameof(connectionString));
        NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{builder.Database!.Replace("\"", "\"\"", StringComparison.Ordinal)}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Stops the cluster (fast shutdown: connections are cut, as in an outage) until <see cref="StartAgainAsync"/>.</summary>
    public Task StopAsync() =>
        RunAsync("runuser", "-u", "postgres", "--", $"{Bin}/pg_ctl", "-D", Directory, "stop", "-m", "fast", "-w");

    /// <summary>Starts the stopped cluster again on the same port, with its data, and waits until it takes connections.</summary>
    public Task StartAgainAsync() => StartProcessAsync();

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunAsync("runuser", "-u", "postgres", "--", $"{Bin}/pg_ctl", "-D", Directory, "stop", "-m", "immediate");
        }
        finally
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private async Task StartProcessAsync()
    {
        var options = string.Create(CultureInfo.InvariantCulture,
            $"-p {Port} -k {Directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200");
        await RunAsync("runuser", "-u", "postgres", "--", $"{Bin}/pg_ctl", "-D", Directory, "-o", options, "-l", Path.Combine(Directory, "log"), "-w", "start");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var server = await StartAsync();
        // xunit 2 has no assembly fixture: the shared cluster goes when the test process does. The
        // runner kills the test host soon after exit begins, so the stop and the delete run in a
        // detached shell that outlives it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
            foreach (var argument in new[] { "-f", "sh", "-c", $"runuser -u postgres -- {Bin}/pg_ctl -D '{server.Directory}' stop -m immediate >/dev/null 2>&1; rm -rf '{server.Directory}'" })
                start.ArgumentList.Add(argument);
            Process.Start(start)?.Dispose();
        };
        return server;
    }


    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await error}");
        }
    }
}
