namespace CityPass.Redis;

/// <summary>The bytes received are not valid RESP. The connection is dropped because the stream can no longer be trusted.</summary>
public sealed class RedisProtocolException : RedisException
{
    public RedisProtocolException() { }

    public RedisProtocolException(string message) : base(message) { }

    public RedisProtocolException(string message, Exception? innerException) : base(message, innerException) { }
}
