using Microsoft.Extensions.Logging;

namespace CityPass.Redis;

/// <summary>Connection events. Never arguments or passwords: keys and values may be personal data.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Redis connected to {EndPoint} ({Role})")]
    public static partial void Connected(ILogger logger, RedisEndPoint endPoint, string role);

    [LoggerMessage(2, LogLevel.Warning, "Redis connection to {EndPoint} lost; {Pending} pending calls failed; reconnecting")]
    public static partial void ConnectionLost(ILogger logger, RedisEndPoint endPoint, int pending, Exception error);

    [LoggerMessage(3, LogLevel.Information, "Redis reconnected to {EndPoint} after {Attempts} attempts")]
    public static partial void Reconnected(ILogger logger, RedisEndPoint endPoint, int attempts);

    [LoggerMessage(4, LogLevel.Debug, "Redis reconnect attempt {Attempt} failed; next in {DelayMs} ms: {Reason}")]
    public static partial void ReconnectFailed(ILogger logger, int attempt, long delayMs, string reason);

    [LoggerMessage(5, LogLevel.Information, "Redis cluster map refreshed: {Nodes} primaries")]
    public static partial void ClusterMapRefreshed(ILogger logger, int nodes);

    [LoggerMessage(6, LogLevel.Warning, "Redis cluster map refresh failed")]
    public static partial void ClusterMapRefreshFailed(ILogger logger, Exception error);

    [LoggerMessage(7, LogLevel.Information, "Redis sentinel reports primary {EndPoint} for {ServiceName}")]
    public static partial void SentinelPrimary(ILogger logger, string serviceName, RedisEndPoint endPoint);

    [LoggerMessage(8, LogLevel.Warning, "Redis sentinel announced a failover of {ServiceName}; reconnecting to the new primary")]
    public static partial void SentinelSwitch(ILogger logger, string serviceName);

    [LoggerMessage(9, LogLevel.Error, "Redis subscription handler for {Channel} threw")]
    public static partial void HandlerFailed(ILogger logger, string channel, Exception error);

    [LoggerMessage(11, LogLevel.Warning, "Redis could not subscribe to +switch-master on the sentinels; failovers are followed on READONLY or disconnect only")]
    public static partial void SentinelWatchFailed(ILogger logger, Exception error);

    [LoggerMessage(10, LogLevel.Information, "Redis connection to {EndPoint} closed")]
    public static partial void Closed(ILogger logger, RedisEndPoint endPoint);
}
