/** The tokenizer facts a stats report states, computed wherever the tokenizer was built (this thread, a stats worker, the Datasets page's token worker). Isomorphic. */
import {countPieces, type DsChatTokenizer} from "../tokenize/dschatTokenizer.js";
import type {ModelFamily} from "../models/familySupport.js";
import {resizedVocabSize} from "../models/modelArchitecture.js";
import {END_OF_CONVERSATION_TOKEN} from "../tokenize/tokenizerRules.js";

export interface TokenizerReport {
  modelName: string;
  family: ModelFamily | null;
  description: string;
  /** Ids `add_special_tokens=True` puts first (BOS). */
  bosIds: number[];
  eosToken: string;
  /** Tokens of the phase-1 end token (`tokenizer.eos_token`). */
  eosTokens: number;
  /** Tokens of the phase-2 end token `<|endoftext|>`: 1 where it is special (GPT-2), 7 for OPT and Llama (#496). */
  endOfTextTokens: number;
  padId: number;
  addsPadToken: boolean;
  vocabSize: number;
  /** The embedding rows DS-Chat resizes the model to (multiple of 8). */
  resizedVocabSize: number;
}

export function describeTokenizer(tokenizer: DsChatTokenizer, modelName: string): TokenizerReport {
  return {
    modelName,
    family: tokenizer.family,
    description: tokenizer.description,
    bosIds: [...tokenizer.prefixIds],
    eosToken: tokenizer.eosToken,
    eosTokens: countPieces(tokenizer, tokenizer.eosToken),
    endOfTextTokens: countPieces(tokenizer, END_OF_CONVERSATION_TOKEN),
    padId: tokenizer.padId,
    addsPadToken: tokenizer.addsPadToken,
    vocabSize: tokenizer.vocabSize,
    resizedVocabSize: resizedVocabSize(tokenizer.vocabSize)
  };
}
