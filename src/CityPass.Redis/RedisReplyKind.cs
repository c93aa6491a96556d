namespace CityPass.Redis;

/// <summary>The RESP type a reply arrived as. RESP3-only kinds appear only when <see cref="RedisOptions.Protocol"/> is 3.</summary>
#pragma warning disable CA1720 // the members are the RESP type names
public enum RedisReplyKind : byte
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
    Null,
    Double,
    Boolean,
    BigNumber,
    VerbatimString,
    Map,
    Set,
    Push,
}
#pragma warning restore CA1720
