using System.Globalization;

namespace CityPass.Redis;

/// <summary>A server address as "host:port" (IPv6 as "[::1]:6379"); the port defaults to 6379.</summary>
public readonly record struct RedisEndPoint(string Host, int Port)
{
    public const int DefaultPort = 6379;

    public static RedisEndPoint Parse(string text)
    {
        if (!TryParse(text, out var endPoint)) throw new FormatException($"'{text}' is not a host:port end point.");
        return endPoint;
    }

    public static bool TryParse(string? text, out RedisEndPoint endPoint)
    {
        endPoint = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();

        string host;
        string? port = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return false;
            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':') return false;
                port = text[(close + 2)..];
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon >= 0 && text.IndexOf(':', StringComparison.Ordinal) != colon) return false; // bare IPv6 needs brackets
            host = colon < 0 ? text : text[..colon];
            port = colon < 0 ? null : text[(colon + 1)..];
        }

        var number = DefaultPort;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number is < 1 or > 65535))
            return false;
        if (host.Length == 0) return false;

        endPoint = new RedisEndPoint(host, number);
        return true;
    }

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
