using CityPass.Testing;

namespace CityPass.Server.Tests.Support;

/// <summary>
/// One redis-server and one PostgreSQL cluster for the whole test run (starting them is the slow
/// part); each app gets its own database and its own Redis database number, emptied before it is handed out.
/// </summary>
public static class RealServers
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static RedisServer? _redis;
    private static PostgresServer? _postgres;
    private static int _nextRedisDb;

    public static async Task<(string Redis, string Postgres)> NewStoresAsync()
    {
        await Gate.WaitAsync();
        try
        {
            _redis ??= await RedisServer.StartAsync("--databases", "64");
            _postgres ??= await PostgresServer.StartAsync();
            AppDomain.CurrentDomain.ProcessExit -= StopAll;
            AppDomain.CurrentDomain.ProcessExit += StopAll;
            var db = Interlocked.Increment(ref _nextRedisDb) % 64;
            // A run has more apps than databases: a reused number must not hand this app another's
            // leftovers (a phone's sign-in lock, streams, occupancy). Its previous app finished long ago.
            await _redis.CliAsync("-n", db.ToString(System.Globalization.CultureInfo.InvariantCulture), "FLUSHDB");
            return ($"{_redis.ConnectionString},defaultDatabase={db}", await _postgres.CreateDatabaseAsync("api"));
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Drops a database handed out here, once the app that used it is gone.</summary>
    public static Task DropPostgresDatabaseAsync(string connectionString) =>
        (_postgres ?? throw new InvalidOperationException("No database was handed out.")).DropDatabaseAsync(connectionString);

    /// <summary>Stores of which one is the test's own (to break): the other one from the shared servers.</summary>
    public static async Task<string> NewPostgresDatabaseAsync() => (await NewStoresAsync()).Postgres;

    public static async Task<string> NewRedisDatabaseAsync() => (await NewStoresAsync()).Redis;

    private static void StopAll(object? sender, EventArgs e)
    {
        _redis?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _postgres?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
