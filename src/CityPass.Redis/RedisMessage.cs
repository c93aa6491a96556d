using System.Text;

namespace CityPass.Redis;

/// <summary>One pub/sub message. <see cref="Pattern"/> is set when it matched a PSUBSCRIBE pattern.</summary>
public readonly record struct RedisMessage(string Channel, string? Pattern, byte[] Payload)
{
    public string Text => Encoding.UTF8.GetString(Payload);
}
