using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace CityPass.Core.Citizens;

/// <summary>
/// The random 128-bit name a citizen has inside CityPass. It is never derived from the national ID
/// number, and it only leaves the issuer encrypted inside a pass (see docs/pass-token.md).
/// </summary>
public readonly record struct CitizenPseudonym(UInt128 Value)
{
    public const int Size = 16;

    public static CitizenPseudonym NewRandom()
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        return Read(bytes);
    }

    public static CitizenPseudonym Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt128BigEndian(source));

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, Value);

    /// <summary>32 lower-case hex digits.</summary>
    public override string ToString() => Value.ToString("x32", CultureInfo.InvariantCulture);

    public static bool TryParse(ReadOnlySpan<char> text, out CitizenPseudonym pseudonym)
    {
        pseudonym = default;
        if (text.Length != 32 || !UInt128.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)) return false;
        pseudonym = new CitizenPseudonym(value);
        return true;
    }
}
