namespace CityPass.Redis;

/// <summary>Base of every failure raised by the client, so callers can catch Redis trouble in one place.</summary>
public class RedisException : Exception
{
    public RedisException() { }

    public RedisException(string message) : base(message) { }

    public RedisException(string message, Exception? innerException) : base(message, innerException) { }
}
