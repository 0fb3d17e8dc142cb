package release

import "fmt"

// ValidateArch accepts the CPU architectures that ECS runs (Fargate and EC2 alike): amd64 and arm64.
func ValidateArch(arch string) error {
	switch arch {
	case "amd64", "arm64":
		return nil
	}
	return fmt.Errorf("unsupported architecture %q: ECS runs linux/amd64 (X86_64) and linux/arm64 (ARM64); pass --arch=amd64 or --arch=arm64 to match the task definition's runtimePlatform", arch)
}
