namespace CityPass.Redis;

/// <summary>The server answered with an error reply (<c>-ERR ...</c>, <c>-WRONGTYPE ...</c>, <c>-NOSCRIPT ...</c>).</summary>
public sealed class RedisServerException : RedisException
{
    public RedisServerException() : this("ERR unknown") { }

    public RedisServerException(string message) : base(message) => Prefix = PrefixOf(message);

    public RedisServerException(string message, Exception? innerException) : base(message, innerException) => Prefix = PrefixOf(message);

    /// <summary>The error code Redis puts first (ERR, WRONGTYPE, NOSCRIPT, MOVED, READONLY...); branch on this, not on the text.</summary>
    public string Prefix { get; }

    private static string PrefixOf(string message)
    {
        var space = message.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? message : message[..space];
    }
}
