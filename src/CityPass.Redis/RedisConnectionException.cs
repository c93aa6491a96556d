namespace CityPass.Redis;

/// <summary>
/// The connection could not be made, or it dropped while the call was pending. The call may or may not
/// have been executed by the server; the client is already reconnecting in the background.
/// </summary>
public sealed class RedisConnectionException : RedisException
{
    public RedisConnectionException() { }

    public RedisConnectionException(string message) : base(message) { }

    public RedisConnectionException(string message, Exception? innerException) : base(message, innerException) { }
}
