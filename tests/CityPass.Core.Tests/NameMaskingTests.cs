using CityPass.Core.Citizens;

namespace CityPass.Core.Tests;

public class NameMaskingTests
{
    [Theory]
    [InlineData("张三", "张*")]
    [InlineData("张小三", "张*三")]
    [InlineData("欧阳小明", "欧**明")]
    [InlineData("John Smith", "J*** S****")]
    [InlineData("  李四  ", "李*")]
    [InlineData("王", "*")]
    [InlineData("", "*")]
    [InlineData(null, "*")]
    [InlineData("𠀋小明", "𠀋*明")] // a surname outside the BMP is one character, not two halves
    public void MasksNamesForTheGate(string? name, string masked) => Assert.Equal(masked, NameMasking.Mask(name));
}
