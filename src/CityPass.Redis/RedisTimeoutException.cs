namespace CityPass.Redis;

/// <summary>No reply arrived within the command timeout. The connection stays up; the late reply is discarded.</summary>
public sealed class RedisTimeoutException : RedisException
{
    public RedisTimeoutException() { }

    public RedisTimeoutException(string message) : base(message) { }

    public RedisTimeoutException(string message, Exception? innerException) : base(message, innerException) { }
}
