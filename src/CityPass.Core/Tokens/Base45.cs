namespace CityPass.Core.Tokens;

/// <summary>
/// Base45 (RFC 9285): bytes as characters of the QR alphanumeric set, so a QR code can hold the
/// token in alphanumeric mode (5.5 bits a character) instead of byte mode (8 bits).
/// </summary>
public static class Base45
{
    public const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

    // Alphabet index of each ASCII character, -1 where it is not in the alphabet.
    private static ReadOnlySpan<sbyte> Index =>
    [
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        36, -1, -1, -1, 37, 38, -1, -1, -1, -1, 39, 40, -1, 41, 42, 43,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 44, -1, -1, -1, -1, -1,
        -1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
        25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    ];

    public static int GetEncodedLength(int byteCount) => byteCount / 2 * 3 + byteCount % 2 * 2;

    /// <summary>The decoded size of a text of this length, or -1 if no Base45 text has it.</summary>
    public static int GetDecodedLength(int charCount) => (charCount % 3) switch
    {
        0 => charCount / 3 * 2,
        2 => charCount / 3 * 2 + 1,
        _ => -1,
    };

    public static string Encode(ReadOnlySpan<byte> source)
    {
        var length = GetEncodedLength(source.Length);
        Span<char> chars = length <= 1024 ? stackalloc char[length] : new char[length];
        Encode(source, chars);
        return new string(chars);
    }

    /// <summary>Encodes into <paramref name="destination"/>, which must hold <see cref="GetEncodedLength"/> characters.</summary>
    public static void Encode(ReadOnlySpan<byte> source, Span<char> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, GetEncodedLength(source.Length));
        var alphabet = Alphabet;
        int o = 0, i = 0;
        for (; i + 1 < source.Length; i += 2)
        {
            var n = source[i] << 8 | source[i + 1];
            destination[o++] = alphabet[n % 45];
            destination[o++] = alphabet[n / 45 % 45];
            destination[o++] = alphabet[n / 2025];
        }
        if (i < source.Length)
        {
            var n = source[i];
            destination[o++] = alphabet[n % 45];
            destination[o] = alphabet[n / 45];
        }
    }

    /// <summary>
    /// Decodes without allocating. False on a character outside the alphabet, a length no encoder
    /// makes, a group whose value overflows, or a destination too small.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> source, Span<byte> destination, out int written)
    {
        written = 0;
        var length = GetDecodedLength(source.Length);
        if (length < 0 || length > destination.Length) return false;
        int o = 0, i = 0;
        for (; i + 2 < source.Length; i += 3)
        {
            int c = Value(source[i]), d = Value(source[i + 1]), e = Value(source[i + 2]);
            if ((c | d | e) < 0) return false;
            var n = c + d * 45 + e * 2025;
            if (n > 0xFFFF) return false;
            destination[o++] = (byte)(n >> 8);
            destination[o++] = (byte)n;
        }
        if (i < source.Length)
        {
            int c = Value(source[i]), d = Value(source[i + 1]);
            if ((c | d) < 0) return false;
            var n = c + d * 45;
            if (n > 0xFF) return false;
            destination[o++] = (byte)n;
        }
        written = o;
        return true;
    }

    private static int Value(char c) => c < 128 ? Index[c] : -1;
}
