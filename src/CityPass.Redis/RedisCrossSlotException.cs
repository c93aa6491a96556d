namespace CityPass.Redis;

/// <summary>A multi-key command on a cluster named keys in different hash slots; raised before anything is sent.</summary>
public sealed class RedisCrossSlotException : RedisException
{
    public RedisCrossSlotException() : base("CROSSSLOT Keys in request don't hash to the same slot (use a {hash tag}).") { }

    public RedisCrossSlotException(string message) : base(message) { }

    public RedisCrossSlotException(string message, Exception? innerException) : base(message, innerException) { }
}
