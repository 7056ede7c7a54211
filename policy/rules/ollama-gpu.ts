import { ResourceValidationPolicy } from "@pulumi/policy";
import { PolicyContext } from "../context";
import { CONTAINER, isOllamaContainer, isUnknown } from "../resources";

export const OLLAMA_GPU = "ollama-container-requests-gpus";

/** With accelerator nvidia, the Ollama container must ask Docker for the GPUs, or it runs on the CPU. */
export function ollamaGpu(context: PolicyContext): ResourceValidationPolicy {
    return {
        name: OLLAMA_GPU,
        description: "The Ollama container requests GPUs (gpus: all) when rag-stack:ollama.accelerator is nvidia.",
        enforcementLevel: context.enforcement,
        validateResource: (args, reportViolation) => {
            if (args.type !== CONTAINER || !isOllamaContainer(args.props)) return;
            if (context.ollamaAccelerator !== "nvidia") {
                args.notApplicable(`rag-stack:ollama.accelerator is ${context.ollamaAccelerator ?? "not set"}, not nvidia`);
            }
            if (isUnknown(() => args.props.gpus)) return; // decided during the update
            const gpus: unknown = args.props.gpus;
            if (typeof gpus !== "string" || gpus.trim() === "") {
                reportViolation(
                    `Ollama container "${args.name}" requests no GPUs although rag-stack:ollama.accelerator is nvidia: ` +
                        "Ollama would run on the CPU (about 0.5 tok/s instead of tens). Set gpus: \"all\" on the container.",
                );
            }
        },
    };
}
