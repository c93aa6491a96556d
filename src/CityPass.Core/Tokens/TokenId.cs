using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace CityPass.Core.Tokens;

/// <summary>
/// The 128-bit random value each pass carries. It makes two passes of one citizen look unrelated
/// (it is the nonce of the pseudonym cipher) and names the pass for replay rules.
/// </summary>
public readonly record struct TokenId(UInt128 Value)
{
    public const int Size = 16;

    public static TokenId NewRandom()
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        return Read(bytes);
    }

    public static TokenId Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt128BigEndian(source));

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, Value);

    public override string ToString() => Value.ToString("x32", CultureInfo.InvariantCulture);
}
