using Npgsql;
using StackExchange.Redis;

namespace CityPass.Server.Problems;

/// <summary>The stores a request can find away, by their role.</summary>
public enum Store
{
    /// <summary>Redis (the scan path's state, one-time codes), or the embedded in-process copy.</summary>
    HotState,

    /// <summary>PostgreSQL (the system of record: citizens, venues, staff, the archive, the audit), or the embedded one.</summary>
    Records,
}

/// <summary>
/// A store did not answer within the request's budget, or answered that it cannot serve now. Nothing
/// the request asked for was done (a scan's script that starts after its deadline does nothing): the
/// caller may try again. Answered 503 <c>store_unavailable</c> with Retry-After.
/// </summary>
public sealed class StoreUnavailableException(Store store, string reason, Exception? inner = null)
    : Exception($"The {store} store is unavailable: {reason}.", inner)
{
    public Store Store { get; } = store;
}

/// <summary>Which store an exception says is away, by exception type and error kind only (never by message text).</summary>
public static class StoreFailures
{
    public static Store? Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StoreUnavailableException s:
                    return s.Store;
                // Not connected, no reply within the budget, or a server that cannot serve writes or data now.
                case RedisConnectionException or RedisTimeoutException:
                case RedisServerException { Kind: RedisErrorKind.Loading or RedisErrorKind.ReadOnly or RedisErrorKind.MasterDown
                    or RedisErrorKind.ClusterDown or RedisErrorKind.TryAgain or RedisErrorKind.Busy or RedisErrorKind.MaxClients
                    or RedisErrorKind.NoReplicas or RedisErrorKind.OutOfMemory }:
                    return Store.HotState;
                // Npgsql's own judgement: connection refused or broken, a timeout, the server shutting down or out of connections.
                case NpgsqlException { IsTransient: true }:
                    return Store.Records;
            }
        }
        return null;
    }

    /// <summary>
    /// Whether the call that failed may have been carried out all the same. A Redis command whose connection closed
    /// after it was written, or whose reply timed out, may have run: Sentinel closes every client's connection on the
    /// replica it promotes, and a reply on its way is lost with it. One still waiting to be written, answered with an
    /// error, or refused by our own code, did nothing. Anything else that is not known to be harmless counts as "may have".
    /// </summary>
    public static bool MayHaveTakenEffect(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case RedisConnectionException c:
                    return c.CommandStatus is not (CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog);
                case RedisTimeoutException t:
                    return t.Commandstatus is not (CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog);
                // An error answer, or our own refusal (a script that found its deadline passed): nothing was done.
                case RedisServerException or StoreUnavailableException:
                    return false;
            }
        }
        return true;
    }

    /// <summary>How the store is named to operators in logs and health.</summary>
    public static string NameOf(Store store) => store switch
    {
        Store.HotState => "hot state (Redis)",
        _ => "system of record (PostgreSQL)",
    };
}
