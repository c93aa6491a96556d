using CityPass.Core.Citizens;
using CityPass.Server.Citizens;

/// <summary>
/// Hot copies of citizens as a Chinese city would hold them, for measuring what they cost in Redis: the stored
/// name is what <see cref="NameMasking"/> makes of a plausible full name (nine in ten Chinese, 2 to 4 characters, so
/// 4 to 8 bytes of UTF-8 once masked; one in ten Latin, whose mask keeps every letter's place: 10 to 17 bytes), and the colours,
/// status versions and credentials vary, because each is stored as its own field and a longer number costs more.
/// Seeded, so a rerun stores the same values.
/// </summary>
internal static class SampleCitizens
{
    private static readonly string[] Surnames =
        ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗", "欧阳", "司马", "诸葛"];

    private static readonly string[] GivenNameCharacters =
        ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平", "刚", "英", "华", "玉", "兰", "文", "辉", "建", "国", "鑫"];

    private static readonly string[] FirstNames = ["John", "Mary", "James", "Anna", "Mohammed", "Olga", "Pierre", "Yuki", "Carlos", "Fatima"];

    private static readonly string[] LastNames = ["Smith", "Müller", "García", "Ivanova", "Tanaka", "Dubois", "Kowalski", "Nguyen", "Okafor", "Silva"];

    public static CitizenHotState[] Make(int count, Random random)
    {
        var citizens = new CitizenHotState[count];
        Span<byte> pseudonym = stackalloc byte[CitizenPseudonym.Size];
        for (var i = 0; i < count; i++)
        {
            random.NextBytes(pseudonym);
            // 90% green, 8% yellow, 2% red; a colour other than green came after at least one change.
            var roll = random.Next(100);
            var colour = roll < 90 ? StatusColour.Green : roll < 98 ? StatusColour.Yellow : StatusColour.Red;
            var version = (uint)(colour == StatusColour.Green ? 1 + random.Next(3) : 2 + random.Next(5));
            var credentials = (Credentials)random.Next((int)CredentialsExtensions.Known + 1);
            citizens[i] = new CitizenHotState(CitizenPseudonym.Read(pseudonym), colour, version, credentials, NameMasking.Mask(FullName(random)));
        }
        return citizens;
    }

    private static string FullName(Random random)
    {
        if (random.Next(10) == 0) return $"{FirstNames[random.Next(FirstNames.Length)]} {LastNames[random.Next(LastNames.Length)]}";
        var given = GivenNameCharacters[random.Next(GivenNameCharacters.Length)];
        if (random.Next(3) > 0) given += GivenNameCharacters[random.Next(GivenNameCharacters.Length)];
        return Surnames[random.Next(Surnames.Length)] + given;
    }
}
