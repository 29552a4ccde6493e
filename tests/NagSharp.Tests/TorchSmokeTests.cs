using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Tests;

[Collection(TorchCollection.Name)]
public sealed class TorchSmokeTests
{
    [Fact]
    public void TensorsAutogradAndAdamWork()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        var b = tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);
        var c = a.matmul(b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());

        var w = tensor(new float[] { 3f }, requires_grad: true);
        var loss = (w * w).sum();
        loss.backward();
        Assert.Equal(6f, w.grad!.item<float>(), 5);

        // A small regression converges under Adam: proves the optimiser step updates parameters.
        var lin = nn.Linear(3, 1);
        var opt = optim.Adam(lin.parameters(), lr: 0.05);
        var x = randn(64, 3);
        var y = x.matmul(tensor(new float[] { 1f, -2f, 0.5f }).reshape(3, 1)) + 0.3f;
        float first = 0, last = 0;
        for (int step = 0; step < 300; step++)
        {
            using var inner = NewDisposeScope();
            opt.zero_grad();
            var l = nn.functional.mse_loss(lin.forward(x), y);
            l.backward();
            opt.step();
            if (step == 0) first = l.item<float>();
            last = l.item<float>();
        }
        Assert.True(last < first * 0.01f, $"loss {first} -> {last}");
    }
}
